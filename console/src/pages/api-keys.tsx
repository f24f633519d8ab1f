import { useState, type FormEvent } from "react";
import { Button, Dialog, Form, Heading, Input, Label, Modal, TextField } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import { Snippet } from "../copy.js";
import { messageOf } from "../errors.js";
import { ApiKeys, CreateApiKey, PreviewWidget, RevokeApiKey, RotateApiKey } from "../operations.js";
import { Confirm } from "./confirm.js";
import { day, when } from "../dates.js";

interface Issued {
  secret: string;
  embedCode: { script: string; iframe: string };
}

/**
 * The secret, once: the API keeps only its hash. Escape and a click outside
 * do not close it (the secret would be lost for good); Escape says how to.
 */
function IssuedDialog({ issued, onClose }: { issued: Issued; onClose: () => void }) {
  const [warned, setWarned] = useState(false);
  return (
    <Modal isOpen isDismissable={false} isKeyboardDismissDisabled className="react-aria-Modal code-wide">
      <Dialog>
        <div onKeyDown={(event) => event.key === "Escape" && setWarned(true)}>
          <Heading slot="title">Your new API key</Heading>
          <p role="status" className="warning">
            {warned
              ? "This key cannot be shown again once this closes. Copy it, then press “I have copied it”."
              : "Copy it now: Parley keeps only a fingerprint of it and cannot show it again."}
          </p>
          <Snippet title="API key" code={issued.secret} />
          <Snippet title="Script tag" code={issued.embedCode.script} />
          <div className="actions">
            <Button className="primary" onPress={onClose}>
              I have copied it
            </Button>
          </div>
        </div>
      </Dialog>
    </Modal>
  );
}

/** A bot's keys (create, rotate, revoke) and its embed code. */
export function ApiKeysPanel({ botId, canEdit, active, version }: { botId: string; canEdit: boolean; active: boolean; version: string }) {
  const [{ data, error }, refetch] = useQuery({ query: ApiKeys, variables: { botId } });
  const [created, create] = useMutation(CreateApiKey);
  const [, rotate] = useMutation(RotateApiKey);
  const [, revoke] = useMutation(RevokeApiKey);
  const [issued, setIssued] = useState<Issued | null>(null);
  const reload = () => refetch({ requestPolicy: "network-only" });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const expires = String(form.get("expiresAt") ?? "");
    const { data } = await create({ botId, name: String(form.get("name")), expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString() : null });
    if (data) {
      setIssued(data.createApiKey);
      reload();
    }
  }

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const keys = data.bot.apiKeys.edges.map((e) => e.node);
  return (
    <div className="api-keys">
      {issued && <IssuedDialog issued={issued} onClose={() => setIssued(null)} />}
      {canEdit && (
        <Form onSubmit={submit} className="row">
          <TextField name="name" isRequired>
            <Label>New key for (e.g. the website)</Label>
            <Input />
          </TextField>
          <TextField name="expiresAt" type="date">
            <Label>Expires (optional)</Label>
            <Input />
          </TextField>
          <Button type="submit" className="primary" isDisabled={created.fetching}>
            Create key
          </Button>
        </Form>
      )}
      {created.error && <p role="alert">{messageOf(created.error)}</p>}
      {keys.length === 0 ? (
        <p>No keys yet. A key lets a website (the widget) or a program ask this bot.</p>
      ) : (
        <table className="sources" aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              {canEdit && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id}>
                <th scope="row" data-label="Name">
                  {key.name}
                </th>
                <td data-label="Key">
                  <code>{key.prefix}…</code>
                </td>
                <td data-label="Status">
                  <span className={`status status-${key.status.toLowerCase()}`}>{key.status.toLowerCase()}</span>
                </td>
                <td data-label="Expires">{key.expiresAt ? day(key.expiresAt) : "never"}</td>
                <td data-label="Last used">{key.lastUsedAt ? when(key.lastUsedAt) : "not yet"}</td>
                {canEdit && (
                  <td data-label="Actions">
                    {key.status === "ACTIVE" && (
                      <div className="actions">
                        <Confirm
                          label="Rotate"
                          done="Key rotated: put the new secret on your websites."
                          title={`Rotate ${key.name}?`}
                          body="A new secret replaces this one at once: websites using the old one stop working until you put in the new one."
                          onConfirm={async () => {
                            const result = await rotate({ id: key.id });
                            if (result.data) setIssued(result.data.rotateApiKey);
                            reload();
                            return result;
                          }}
                        />
                        <Confirm
                          label="Revoke"
                          done="Key revoked."
                          title={`Revoke ${key.name}?`}
                          body="It stops working for good, everywhere it is used."
                          onConfirm={async () => {
                            const result = await revoke({ id: key.id });
                            reload();
                            return result;
                          }}
                        />
                      </div>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Embed code</h3>
      <p className="muted">Put your key where it says YOUR_API_KEY; a key you create comes with its code filled in.</p>
      <Snippet title="Script tag" code={data.bot.embedCode.script} />
      <Snippet title="Iframe" code={data.bot.embedCode.iframe} />
      {canEdit && <Preview botId={botId} active={active} version={version} />}
    </div>
  );
}

/**
 * The widget as a visitor sees it, in the bot's theme, live: it asks and
 * answers. It needs a key like any visitor's: the server gives one per bot
 * and person for an hour (previewWidget), not listed among the bot's keys;
 * it is kept in this browser while it lasts, so reloads and other tabs reuse
 * it. Its chats are counted under "Console preview".
 */
function Preview({ botId, active, version }: { botId: string; active: boolean; version: string }) {
  const stored = `parley.console.preview.${botId}`;
  // A preview opened earlier shows again while its key lasts.
  const kept = () => {
    const preview = JSON.parse(localStorage.getItem(stored) ?? "null") as { url: string; expiresAt: number } | null;
    return preview && preview.expiresAt > Date.now() + 60_000 ? preview.url : null;
  };
  const [url, setUrl] = useState<string | null>(kept);
  const [result, create] = useMutation(PreviewWidget);

  async function open() {
    const { data } = await create({ botId });
    if (!data) return;
    const { path, expiresAt } = data.previewWidget;
    localStorage.setItem(stored, JSON.stringify({ url: path, expiresAt: new Date(expiresAt).getTime() }));
    setUrl(path);
  }

  return (
    <section aria-labelledby="preview-heading" className="preview">
      <h3 id="preview-heading">Live preview</h3>
      {!active ? (
        <p className="muted">Activate the bot to preview its widget: visitors can only talk to active bots.</p>
      ) : url ? (
        // Reloaded when the bot's settings change (its theme, greeting, language).
        <iframe key={version} src={url} title="Widget preview" />
      ) : (
        <>
          <p className="muted">
            Shows the widget as a visitor sees it, in your theme, and lets you talk to it. It uses a key of its own that expires in an hour.
          </p>
          <Button onPress={open} isDisabled={result.fetching}>
            Show a live preview
          </Button>
        </>
      )}
      {result.error && <p role="alert">{messageOf(result.error)}</p>}
    </section>
  );
}
