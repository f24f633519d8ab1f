import { useEffect, useState, type FormEvent } from "react";
import { Button, Checkbox, CheckboxGroup, Form, Input, Label, TextField } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import { Snippet } from "../copy.js";
import { messageOf } from "../errors.js";
import type { WebhookEventType, WebhookFieldsFragment } from "../gql/graphql.js";
import { CreateWebhook, DeleteWebhook, RedeliverWebhook, RotateWebhookSecret, TestWebhook, UpdateWebhook, WebhookDeliveries, Webhooks } from "../operations.js";
import { useWorkspace } from "../shell.js";
import { Confirm } from "./confirm.js";
import { when } from "../dates.js";

const EVENTS: [WebhookEventType, string][] = [
  ["SOURCE_SYNCED", "A source synced"],
  ["SOURCE_CHANGED", "A site's pages changed"],
  ["SOURCE_FAILED", "A source failed"],
  ["CONVERSATION_UNANSWERED", "A question went unanswered"],
  ["ANSWER_RATED_DOWN", "An answer was rated down"],
  ["CHECKS_REGRESSED", "A check regressed"],
  ["HANDOFF_REQUESTED", "A visitor asked for a person"],
  ["LEAD_CREATED", "A visitor left a message"],
];
const labelOf = new Map(EVENTS);

/**
 * Where the workspace's events go (owners and admins): endpoints with the
 * events each wants, the secret shown once, a test delivery, and each
 * endpoint's delivery log with redelivery.
 */
export function WebhooksPage() {
  const workspace = useWorkspace();
  const [{ data, error }, refetch] = useQuery({ query: Webhooks, variables: { workspaceId: workspace.id } });
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const reload = () => refetch({ requestPolicy: "network-only" });

  if (!workspace.canEdit) return <p>Only owners and admins manage webhooks.</p>;
  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="webhooks-heading" className="webhooks">
      <h1 id="webhooks-heading">Webhooks</h1>
      <p className="muted">
        Parley sends these addresses what happens to {workspace.name}'s bots, signed the Standard Webhooks way: verify each delivery with the endpoint's secret.
        Failed deliveries are retried for about a day.
      </p>
      <NewEndpoint
        onCreated={(url, value) => {
          setSecret({ url, secret: value });
          reload();
        }}
      />
      {secret && (
        <div role="status" className="invitation-link">
          <p>The signing secret of {secret.url}. Parley cannot show it again: store it with your receiver now.</p>
          <Snippet title="Signing secret" code={secret.secret} />
        </div>
      )}
      {data.workspace.webhooks.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        data.workspace.webhooks.map((endpoint) => <Endpoint key={endpoint.id} endpoint={endpoint} onChanged={reload} onSecret={setSecret} />)
      )}
    </section>
  );
}

function NewEndpoint({ onCreated }: { onCreated: (url: string, secret: string) => void }) {
  const workspace = useWorkspace();
  const [created, create] = useMutation(CreateWebhook);
  const [events, setEvents] = useState<string[]>(["LEAD_CREATED"]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const input = { url: String(fields.get("url")).trim(), description: String(fields.get("description")), events: events as WebhookEventType[] };
    const { data } = await create({ workspaceId: workspace.id, input });
    if (!data) return;
    form.reset();
    onCreated(data.createWebhook.webhook.url, data.createWebhook.secret);
  }

  return (
    <Form onSubmit={submit} aria-label="Add an endpoint" className="stack">
      <TextField name="url" type="url" isRequired>
        <Label>Endpoint address</Label>
        <Input placeholder="https://crm.example.com/parley" />
      </TextField>
      <TextField name="description">
        <Label>What it is for (optional)</Label>
        <Input />
      </TextField>
      <CheckboxGroup value={events} onChange={setEvents} className="checkbox-grid">
        <Label>Events</Label>
        {EVENTS.map(([value, label]) => (
          <Checkbox key={value} value={value}>
            <span className="box" aria-hidden="true" />
            {label}
          </Checkbox>
        ))}
      </CheckboxGroup>
      {created.error && <p role="alert">{messageOf(created.error)}</p>}
      <Button type="submit" className="primary" isDisabled={created.fetching || events.length === 0}>
        Add endpoint
      </Button>
    </Form>
  );
}

function Endpoint({
  endpoint,
  onChanged,
  onSecret,
}: {
  endpoint: WebhookFieldsFragment;
  onChanged: () => void;
  onSecret: (shown: { url: string; secret: string }) => void;
}) {
  const [updated, update] = useMutation(UpdateWebhook);
  const [tested, test] = useMutation(TestWebhook);
  const [rotated, rotate] = useMutation(RotateWebhookSecret);
  const [, remove] = useMutation(DeleteWebhook);
  const [sent, setSent] = useState(0);
  const [logOpen, setLogOpen] = useState(false);
  const problem = messageOf(updated.error ?? tested.error ?? rotated.error);
  const status = endpoint.enabled ? (endpoint.failingSince ? `Failing since ${when(endpoint.failingSince)}` : "Active") : "Switched off";
  return (
    <article className="card" aria-label={endpoint.url}>
      <h2>{endpoint.url}</h2>
      {endpoint.description && <p>{endpoint.description}</p>}
      <p>
        <strong>{status}.</strong> {endpoint.disabledReason}
      </p>
      <p className="muted">Sent: {endpoint.events.map((e) => labelOf.get(e) ?? e).join(", ")}.</p>
      <div className="row">
        <Button
          onPress={async () => {
            if (!(await test({ id: endpoint.id })).data) return;
            setSent((n) => n + 1);
            setLogOpen(true);
          }}
          isDisabled={!endpoint.enabled}
        >
          Send a test event
        </Button>
        <Button onPress={async () => (await update({ id: endpoint.id, input: { enabled: !endpoint.enabled } }), onChanged())}>
          {endpoint.enabled ? "Switch off" : "Switch on"}
        </Button>
        <Button
          onPress={async () => {
            const { data } = await rotate({ id: endpoint.id });
            if (data) onSecret({ url: endpoint.url, secret: data.rotateWebhookSecret.secret });
          }}
        >
          New secret
        </Button>
        <Confirm
          label="Delete"
          done="Endpoint deleted."
          title={`Delete the endpoint ${endpoint.url}?`}
          body="Nothing more is sent to it, and its delivery log goes with it."
          onConfirm={async () => {
            const result = await remove({ id: endpoint.id });
            onChanged();
            return result;
          }}
        />
      </div>
      {problem && <p role="alert">{problem}</p>}
      <Deliveries endpointId={endpoint.id} refresh={sent} open={logOpen} onToggle={setLogOpen} />
    </article>
  );
}

/** An endpoint's latest deliveries: opened when a test event is sent, and read again a moment later. */
function Deliveries({ endpointId, refresh, open, onToggle }: { endpointId: string; refresh: number; open: boolean; onToggle: (open: boolean) => void }) {
  const workspace = useWorkspace();
  const [{ data }, refetch] = useQuery({ query: WebhookDeliveries, variables: { workspaceId: workspace.id }, pause: !open });
  const [redelivered, redeliver] = useMutation(RedeliverWebhook);
  useEffect(() => {
    if (!refresh) return;
    const timer = setTimeout(() => refetch({ requestPolicy: "network-only" }), 1500);
    return () => clearTimeout(timer);
  }, [refresh, refetch]);
  const log = data?.workspace.webhooks.find((w) => w.id === endpointId)?.deliveries;
  return (
    <details open={open} onToggle={(event) => onToggle(event.currentTarget.open)}>
      <summary>Deliveries{log ? ` (${log.totalCount})` : ""}</summary>
      <Button onPress={() => refetch({ requestPolicy: "network-only" })}>Refresh</Button>
      {redelivered.error && <p role="alert">{messageOf(redelivered.error)}</p>}
      {!log || log.edges.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <table className="sources" aria-label="Deliveries" tabIndex={0}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Answer</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {log.edges.map(({ node: d }) => (
              <tr key={d.id}>
                <td data-label="When">{when(d.createdAt)}</td>
                <td data-label="Event">{d.eventType}</td>
                <td data-label="Status">
                  {d.status.toLowerCase()}, {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
                  {d.nextAttemptAt && <div className="muted">next {when(d.nextAttemptAt)}</div>}
                </td>
                <td data-label="Answer">
                  {d.responseStatus ?? "–"} {d.lastError && <div className="muted">{d.lastError}</div>}
                </td>
                <td data-label="Actions">
                  <Button onPress={async () => (await redeliver({ deliveryId: d.id }), refetch({ requestPolicy: "network-only" }))}>Send again</Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
