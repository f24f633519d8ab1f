import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from "react";
import {
  Button,
  Dialog,
  DialogTrigger,
  DropZone,
  FieldError,
  FileTrigger,
  Heading,
  Input,
  Label,
  Modal,
  ProgressBar,
  Tab,
  TabList,
  TabPanel,
  Tabs,
  TextArea,
  TextField,
} from "react-aria-components";
import { useMutation, useQuery, useSubscription } from "urql";
import { Link, useLocation } from "wouter";
import type { BotDetailQuery, SourceEventsSubscription, SyncStatus } from "../gql/graphql.js";
import { useConnection } from "../connection.js";
import { messageOf } from "../errors.js";
import { useSession } from "../session.js";
import { ActivateBot, ArchiveBot, BotDetail, DeleteBot, DeleteSource, ResyncSource, SourceEvents, UpdateSource } from "../operations.js";
import { useAddressChoice } from "../address.js";
import { toast } from "../toasts.js";
import { FilterGroup } from "../filter.js";
import { Pager, usePaging } from "../pager.js";
import { useWorkspace } from "../shell.js";
import { replaceDocument, uploadDocument } from "../upload.js";
import { AddLink, ChangeLink, scheduleLabel } from "./add-link.js";
import { AddText } from "./add-text.js";
import { ApiKeysPanel } from "./api-keys.js";
import { BotSettingsForm } from "./bot-settings.js";
import { Confirm } from "./confirm.js";
import { ConversationsPanel } from "./conversations.js";
import { CorrectionsPanel } from "./corrections.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";
import { Playground } from "./playground.js";
import { PromptsPanel } from "./prompts.js";

/** Tabs an owner opens less often load when first opened, not with the console: the charts (uPlot) above all. */
const UsagePanel = lazy(() => import("./usage.js").then((module) => ({ default: module.UsagePanel })));
const LivePanel = lazy(() => import("./live.js").then((module) => ({ default: module.LivePanel })));
const LeadsPanel = lazy(() => import("./leads.js").then((module) => ({ default: module.LeadsPanel })));
const GapsPanel = lazy(() => import("./gaps.js").then((module) => ({ default: module.GapsPanel })));
const ChecksPanel = lazy(() => import("./checks.js").then((module) => ({ default: module.ChecksPanel })));

/** What a tab loaded on first opening shows meanwhile. */
function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={<p aria-busy="true">Loading…</p>}>{children}</Suspense>;
}
const Syncs = lazy(() => import("./source-history.js").then((module) => ({ default: module.Syncs })));

type Bot = BotDetailQuery["bot"];
type Source = Bot["sources"]["edges"][number]["node"];
type SourceEvent = SourceEventsSubscription["sourceEvents"];

/** One bot: its status and lifecycle, and its sources, live. */
export function BotPage({ params }: { params: { botId: string; tab?: string } }) {
  const workspace = useWorkspace();
  const paging = usePaging();
  const [, navigate] = useLocation();
  const [status, setStatus] = useAddressChoice(
    "status",
    STATUSES.map(([value]) => value),
  );
  // The tab is part of the path (/bots/…/usage): a reload, Back and a shared link open the same one.
  const tab = TABS.includes(params.tab ?? "") ? params.tab! : "sources";
  const [{ data, error, fetching }, refetch] = useQuery({ query: BotDetail, variables: { id: params.botId, status, ...paging.variables } });
  const reload = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  const live = useLiveSources(params.botId, reload);
  // On a phone the tabs are one row that scrolls: the chosen one (from a link, or Back) is brought into view.
  const loaded = Boolean(data);
  useEffect(() => {
    if (loaded) document.querySelector('[role="tab"][aria-selected="true"]')?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }, [tab, loaded]);

  // Events sent while the connection was down are lost: read the list again when it is back.
  const { reconnects } = useConnection();
  useEffect(() => {
    if (reconnects) reload();
  }, [reconnects, reload]);

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const bot = data.bot;
  return (
    <section aria-labelledby="bot-heading">
      <p>
        <Link href="/">← Bots</Link>
      </p>
      <div className="page-header">
        <h1 id="bot-heading">
          {bot.name} <span className={`status status-${bot.status.toLowerCase()}`}>{bot.status.toLowerCase()}</span>
        </h1>
        {workspace.canEdit && <Lifecycle bot={bot} />}
      </div>
      {bot.description && <p className="muted">{bot.description}</p>}
      <Tabs selectedKey={tab} onSelectionChange={(key) => navigate(`/bots/${params.botId}/${String(key)}`)}>
        <TabList aria-label="About this bot">
          <Tab id="sources">Sources</Tab>
          <Tab id="prompts">Prompts</Tab>
          <Tab id="corrections">Corrections</Tab>
          <Tab id="settings">Settings</Tab>
          <Tab id="keys">API keys and embedding</Tab>
          <Tab id="playground">Playground</Tab>
          <Tab id="conversations">Conversations</Tab>
          <Tab id="live">Live chat</Tab>
          <Tab id="leads">Messages left</Tab>
          <Tab id="gaps">Missing knowledge</Tab>
          <Tab id="checks">Checks</Tab>
          <Tab id="usage">Usage</Tab>
        </TabList>
        <TabPanel id="sources">
          {workspace.canEdit && <AddSources botId={bot.id} onAdded={reload} />}
          <FilterGroup label="Show sources" options={STATUSES} value={status} onChange={setStatus} />
          <SourceList sources={bot.sources.edges.map((e) => e.node)} filtered={status !== null} live={live} canEdit={workspace.canEdit} onChanged={reload} />
          <Pager
            label="Pages of sources"
            count={bot.sources.totalCount}
            noun={["source", "sources"]}
            pageInfo={bot.sources.pageInfo}
            busy={fetching}
            onPage={paging.set}
          />
        </TabPanel>
        <TabPanel id="prompts">
          <PromptsPanel botId={bot.id} canEdit={workspace.canEdit} />
        </TabPanel>
        <TabPanel id="corrections">
          <CorrectionsPanel botId={bot.id} canEdit={workspace.canEdit} />
        </TabPanel>
        <TabPanel id="settings">
          <BotSettingsForm bot={bot} canEdit={workspace.canEdit} />
        </TabPanel>
        <TabPanel id="keys">
          <ApiKeysPanel botId={bot.id} canEdit={workspace.canEdit} active={bot.status === "ACTIVE"} version={bot.updatedAt} />
        </TabPanel>
        <TabPanel id="playground">
          <Playground botId={bot.id} canEdit={workspace.canEdit} />
        </TabPanel>
        <TabPanel id="conversations">
          <ConversationsPanel botId={bot.id} canEdit={workspace.canEdit} />
        </TabPanel>
        <TabPanel id="live">
          <Later>
            <LivePanel botId={bot.id} canEdit={workspace.canEdit} />
          </Later>
        </TabPanel>
        <TabPanel id="leads">
          <Later>
            <LeadsPanel botId={bot.id} />
          </Later>
        </TabPanel>
        <TabPanel id="gaps">
          <Later>
            <GapsPanel botId={bot.id} canEdit={workspace.canEdit} />
          </Later>
        </TabPanel>
        <TabPanel id="checks">
          <Later>
            <ChecksPanel botId={bot.id} canEdit={workspace.canEdit} />
          </Later>
        </TabPanel>
        <TabPanel id="usage">
          <Later>
            <UsagePanel botId={bot.id} />
          </Later>
        </TabPanel>
      </Tabs>
    </section>
  );
}

interface Live {
  /** The latest event of each source. */
  events: Map<string, SourceEvent>;
  /** How many events said a source settled (or went): the list reloads when it grows. */
  settled: number;
}

/**
 * The latest event of each source (step and progress while it ingests); the
 * list reloads when one settles. Events are folded in as they arrive: two
 * that arrive between renders must not lose the first (a source's SYNCED
 * followed at once by another's progress).
 */
function useLiveSources(botId: string, reload: () => void): Map<string, SourceEvent> {
  // The server ends a stream whose session ended; it opens again, and the list is read again, once the user is back.
  const { token } = useSession();
  useEffect(() => {
    if (token) reload();
  }, [token, reload]);
  const [{ data }] = useSubscription(
    { query: SourceEvents, variables: { botId }, pause: !token },
    (live: Live = { events: new Map(), settled: 0 }, response): Live => {
      const event = response.sourceEvents;
      return { events: new Map(live.events).set(event.sourceId, event), settled: live.settled + (event.status === "PROCESSING" ? 0 : 1) };
    },
  );
  const settled = data?.settled ?? 0;
  useEffect(() => {
    if (settled) reload();
  }, [settled, reload]);
  return data?.events ?? NO_EVENTS;
}

const NO_EVENTS = new Map<string, SourceEvent>();

/** The bot page's tabs, as they appear in its address. */
const TABS = ["sources", "prompts", "corrections", "settings", "keys", "playground", "conversations", "live", "leads", "gaps", "checks", "usage"];

const STATUSES: [SyncStatus | null, string][] = [
  [null, "All"],
  ["PROCESSING", "In progress"],
  ["PENDING", "Waiting"],
  ["SYNCED", "Synced"],
  ["ERROR", "Failed"],
];

function Lifecycle({ bot }: { bot: Bot }) {
  const [, activate] = useMutation(ActivateBot);
  const [, archive] = useMutation(ArchiveBot);
  const [, deleteBot] = useMutation(DeleteBot);
  const [, navigate] = useLocation();
  return (
    <div className="actions">
      {bot.status !== "ACTIVE" &&
        (bot.chunkCount > 0 ? (
          <Button className="primary" onPress={async () => !(await activate({ id: bot.id })).error && toast("Bot activated.")}>
            Activate
          </Button>
        ) : (
          <Confirm
            label="Activate"
            done="Bot activated."
            tone="primary"
            title={`Activate ${bot.name} with nothing to answer from?`}
            body="None of its sources is read yet: visitors would be told it does not know, whatever they ask. Add a source first, or activate it anyway."
            onConfirm={async () => activate({ id: bot.id })}
          />
        ))}
      {bot.status === "ACTIVE" && (
        <Confirm
          label="Archive"
          done="Bot archived: it answers no one until activated again."
          tone="primary"
          title={`Archive ${bot.name}?`}
          body="Visitors get no more answers from it, on every website its keys are on, until it is activated again. Nothing is deleted."
          onConfirm={async () => archive({ id: bot.id })}
        />
      )}
      <Confirm
        label="Delete bot"
        done="Bot deleted."
        title={`Delete ${bot.name}?`}
        body="Its sources, prompts, keys and conversations are deleted with it. This cannot be undone."
        onConfirm={async () => {
          const result = await deleteBot({ id: bot.id });
          if (result.data) navigate("/");
          return result;
        }}
      />
    </div>
  );
}

/** How long a finished upload's row stays, its file then being in the list of sources. */
const UPLOADED_SHOWN_MS = 2500;

const ACCEPTED = [".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".csv", ".json"];

interface Upload {
  key: string;
  name: string;
  progress: number;
  error?: string;
  done?: boolean;
}

/** Files by drag and drop or picker, each with its progress bar; text typed in. */
function AddSources({ botId, onAdded }: { botId: string; onAdded: () => void }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const update = (key: string, change: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));
  const dismiss = (key: string) => setUploads((all) => all.filter((u) => u.key !== key));

  async function upload(files: File[]) {
    const started = files.map((file) => ({ file, key: `${file.name}-${crypto.randomUUID()}` }));
    setUploads((all) => [...all, ...started.map(({ file, key }) => ({ key, name: file.name, progress: 0 }))]);
    await Promise.all(
      started.map(async ({ file, key }) => {
        const outcome = await uploadDocument(botId, file, (progress) => update(key, { progress }));
        update(key, outcome.error ? { error: outcome.error } : { progress: 1, done: true });
        // An uploaded file is in the list of sources now: its row here goes after a moment. A failure stays until dismissed.
        if (!outcome.error) setTimeout(() => dismiss(key), UPLOADED_SHOWN_MS);
      }),
    );
    onAdded();
  }

  return (
    <div className="add-sources">
      <DropZone
        aria-label="Drop files to upload"
        onDrop={async (event) => {
          const files = await Promise.all(event.items.filter((item) => item.kind === "file").map((item) => item.getFile()));
          await upload(files);
        }}
      >
        <p>Drop PDF, DOCX, HTML, Markdown or text files here, or</p>
        <FileTrigger allowsMultiple acceptedFileTypes={ACCEPTED} onSelect={(list) => list && upload([...list])}>
          <Button>Choose files</Button>
        </FileTrigger>
      </DropZone>
      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key}>
              {u.error ? (
                <div className="upload-failed">
                  <span>{u.name}</span> <span className="error">was not uploaded</span>
                  <p role="alert">{u.error}</p>
                  <Button onPress={() => dismiss(u.key)} aria-label={`Dismiss ${u.name}`}>
                    Dismiss
                  </Button>
                </div>
              ) : (
                <ProgressBar value={u.progress * 100} aria-label={`Uploading ${u.name}`}>
                  {({ percentage }) => (
                    <>
                      <span>{u.name}</span> <span className="muted">{u.done ? "uploaded" : `${Math.round(percentage ?? 0)}%`}</span>
                      <div className="bar">
                        <div className="fill" style={{ width: `${percentage ?? 0}%` }} />
                      </div>
                    </>
                  )}
                </ProgressBar>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        <AddText botId={botId} onAdded={onAdded} />
        <AddLink botId={botId} onAdded={onAdded} />
      </div>
    </div>
  );
}

/**
 * A source's content replaced: a document gets a new file (with its upload's
 * progress), a text new words, a link a new address. Its chunks keep
 * answering until the new ones replace them.
 */
function Replace({ source, onChanged }: { source: Source; onChanged: () => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (source.kind === "LINK") return <ChangeLink source={source} onChanged={onChanged} />;
  if (source.kind === "TEXT") return <ReplaceText source={source} onChanged={onChanged} />;
  return (
    <>
      <FileTrigger
        acceptedFileTypes={ACCEPTED}
        onSelect={async (list) => {
          const file = list?.[0];
          if (!file) return;
          setError(null);
          setProgress(0);
          const outcome = await replaceDocument(source.id, file, setProgress);
          setProgress(null);
          if (outcome.error) setError(outcome.error);
          onChanged();
        }}
      >
        <Button aria-label={`Replace ${source.name}`} isDisabled={progress !== null}>
          {progress === null ? "Replace" : `Uploading ${Math.round(progress * 100)}%`}
        </Button>
      </FileTrigger>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

function ReplaceText({ source, onChanged }: { source: Source; onChanged: () => void }) {
  const replacement = useDialogMutation(
    UpdateSource,
    (form) => ({ id: source.id, title: String(form.get("title")), text: String(form.get("text")) }),
    onChanged,
  );
  return (
    <FormDialog
      trigger="Replace"
      triggerLabel={`Replace ${source.name}`}
      title={`Replace the text of ${source.name}`}
      submitLabel="Replace"
      done="Text replaced: it is being read again."
      {...replacement}
    >
      <TextField name="title" isRequired defaultValue={source.name}>
        <Label>Title</Label>
        <Input />
        <FieldError />
      </TextField>
      <TextField name="text" isRequired autoFocus>
        <Label>New text</Label>
        <TextArea rows={8} />
        <FieldError />
      </TextField>
    </FormDialog>
  );
}

/** Where a source is, in words: its live step while it ingests, its error when it failed. */
/** A link's syncs in a dialog: when, what each read, and the diff of each page that changed. */
function SourceHistory({ sourceId, name }: { sourceId: string; name: string }) {
  return (
    <DialogTrigger>
      <Button aria-label={`Sync history of ${name}`}>History</Button>
      <Modal isDismissable className="react-aria-Modal wide">
        <Dialog>
          {({ close }) => (
            <>
              <Heading slot="title">Sync history of {name}</Heading>
              <Suspense fallback={<p aria-busy="true">Loading…</p>}>
                <Syncs sourceId={sourceId} />
              </Suspense>
              <div className="actions">
                <Button onPress={close}>Close</Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}

function statusOf(source: Source, event: SourceEvent | undefined): string {
  const status = event && event.status !== "DELETED" ? event.status : source.syncStatus;
  const progress = event?.progress;
  if (status === "PROCESSING" && progress) return `${progress.step} ${progress.done}${progress.total != null ? ` of ${progress.total}` : ""} ${progress.unit}`;
  // The badge says what the filter above the list calls it.
  return STATUSES.find(([value]) => value === status)?.[1] ?? status.toLowerCase();
}

function SourceList({
  sources,
  filtered,
  live,
  canEdit,
  onChanged,
}: {
  sources: Source[];
  filtered: boolean;
  live: Map<string, SourceEvent>;
  canEdit: boolean;
  onChanged: () => void;
}) {
  const [, resync] = useMutation(ResyncSource);
  const [, remove] = useMutation(DeleteSource);
  if (!sources.length) return <p>{filtered ? "No source is in this status." : "No sources yet. Upload files or add text, and the bot answers from them."}</p>;
  return (
    <table className="sources" aria-label="Sources">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Chunks</th>
          {canEdit && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {sources.map((source) => {
          const event = live.get(source.id);
          return (
            <tr key={source.id}>
              <th scope="row" data-label="Name">
                {source.name}
                <div className="muted">
                  {source.kind.toLowerCase()}
                  {source.kind === "LINK" && `, ${scheduleLabel(source.syncSchedule)}`}
                </div>
              </th>
              <td data-label="Status">
                <span className={`status status-${(event?.status ?? source.syncStatus).toLowerCase()}`}>{statusOf(source, event)}</span>
                {source.syncStatus === "ERROR" && source.lastError && <p className="error">{source.lastError}</p>}
              </td>
              <td data-label="Chunks">{(event?.chunkCount ?? source.chunkCount).toLocaleString()}</td>
              {canEdit && (
                <td data-label="Actions">
                  <div className="actions">
                    <Replace source={source} onChanged={onChanged} />
                    {source.kind === "LINK" && <SourceHistory sourceId={source.id} name={source.name} />}
                    <Button
                      aria-label={`Resync ${source.name}`}
                      onPress={async () => {
                        const result = await resync({ id: source.id });
                        onChanged();
                        if (!result.error) toast(`${source.name} is being read again.`);
                      }}
                    >
                      Resync
                    </Button>
                    <Confirm
                      label="Delete"
                      done="Source deleted."
                      title={`Delete ${source.name}?`}
                      body="The bot stops answering from it. Its chunks are deleted with it."
                      onConfirm={async () => {
                        const result = await remove({ id: source.id });
                        onChanged();
                        return result;
                      }}
                    />
                  </div>
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
