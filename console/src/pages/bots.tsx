import { useEffect, useRef, useState } from "react";
import { Button, Cell, Column, FieldError, Input, Label, Row, SearchField, Table, TableBody, TableHeader, TextArea, TextField } from "react-aria-components";
import { useQuery } from "urql";
import { Link, useLocation } from "wouter";
import type { BotsQuery } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { Bots, CreateBot } from "../operations.js";
import { FIRST_PAGE, useAddress } from "../address.js";
import { Pager, usePaging } from "../pager.js";
import { FormDialog, useDialogMutation } from "./form-dialog.js";
import { useWorkspace } from "../shell.js";
import { when } from "../dates.js";

/** A value that follows `value` once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function BotsPage() {
  const workspace = useWorkspace();
  const [address, change] = useAddress();
  const [search, setSearch] = useState(address.get("q") ?? "");
  const paging = usePaging();
  const searched = useDebounced(search.trim(), 250);
  // The settled search goes in the address (replacing, not one history entry per letter), back to the first page;
  // and a search the address brings (Back, a link) comes into the box.
  const inAddress = address.get("q") ?? "";
  const written = useRef(inAddress);
  useEffect(() => {
    if (searched === written.current) return;
    written.current = searched;
    change({ q: searched, ...FIRST_PAGE }, { replace: true });
  }, [searched, change]);
  useEffect(() => {
    if (inAddress === written.current) return;
    written.current = inAddress;
    setSearch(inAddress);
  }, [inAddress]);
  // Another workspace's list starts at its first page.
  const shownWorkspace = useRef(workspace.id);
  useEffect(() => {
    if (shownWorkspace.current !== workspace.id) change(FIRST_PAGE);
    shownWorkspace.current = workspace.id;
  }, [workspace.id, change]);
  const [{ data, fetching, error }] = useQuery({
    query: Bots,
    variables: { workspaceId: workspace.id, search: searched || null, ...paging.variables },
    // Read again on each visit: a bot just created elsewhere in the console (or by a colleague) is listed.
    requestPolicy: "cache-and-network",
  });
  const bots = data?.bots;

  return (
    <section aria-labelledby="bots-heading">
      <div className="page-header">
        <h1 id="bots-heading">Bots</h1>
        {workspace.canEdit && <CreateBotButton workspaceId={workspace.id} />}
      </div>
      <SearchField value={search} onChange={setSearch} aria-label="Search bots">
        <Input placeholder="Search by name or description" />
        <Button>✕</Button>
      </SearchField>
      {error && <p role="alert">{messageOf(error)}</p>}
      {bots && <BotTable bots={bots} searched={searched} />}
      {bots && <Pager label="Pages of bots" count={bots.totalCount} noun={["bot", "bots"]} pageInfo={bots.pageInfo} busy={fetching} onPage={paging.set} />}
    </section>
  );
}

function BotTable({ bots, searched }: { bots: BotsQuery["bots"]; searched: string }) {
  const empty = searched ? `No bot matches “${searched}”.` : "No bots yet. Create one, give it sources, and it answers questions about them.";
  return (
    <Table aria-label="Bots">
      <TableHeader>
        <Column isRowHeader>Name</Column>
        <Column>Status</Column>
        <Column>Sources</Column>
        <Column>Chunks</Column>
        <Column>Last activity</Column>
        <Column>Last change</Column>
      </TableHeader>
      <TableBody items={bots.edges.map((e) => e.node)} renderEmptyState={() => empty}>
        {(bot) => (
          <Row id={bot.id}>
            <Cell>
              <Link href={`/bots/${bot.id}`} className="strong">
                {bot.name}
              </Link>
              {bot.description && <div className="muted">{bot.description}</div>}
            </Cell>
            <Cell data-label="Status">
              <span className={`status status-${bot.status.toLowerCase()}`}>{bot.status.toLowerCase()}</span>
            </Cell>
            <Cell data-label="Sources">{sourceSummary(bot.sourceCounts)}</Cell>
            <Cell data-label="Chunks">{bot.chunkCount.toLocaleString()}</Cell>
            <Cell data-label="Last activity">
              {bot.lastActivityAt ? <time dateTime={bot.lastActivityAt}>{when(bot.lastActivityAt)}</time> : <span className="muted">no chats yet</span>}
            </Cell>
            <Cell data-label="Last change">
              <time dateTime={bot.updatedAt}>{when(bot.updatedAt)}</time>
            </Cell>
          </Row>
        )}
      </TableBody>
    </Table>
  );
}

function sourceSummary(c: BotsQuery["bots"]["edges"][number]["node"]["sourceCounts"]): string {
  if (!c.total) return "none";
  const parts = [`${c.synced} of ${c.total} synced`];
  if (c.pending + c.processing) parts.push(`${c.pending + c.processing} in progress`);
  if (c.error) parts.push(`${c.error} failed`);
  return parts.join(", ");
}

/** A new bot opens at once: its sources are what it needs next. */
function CreateBotButton({ workspaceId }: { workspaceId: string }) {
  const [, navigate] = useLocation();
  const creation = useDialogMutation(
    CreateBot,
    (form) => ({ input: { workspaceId, name: String(form.get("name")), description: String(form.get("description") ?? "") || null } }),
    (data) => navigate(`/bots/${data.createBot.id}`),
  );
  return (
    <FormDialog trigger="New bot" triggerClassName="primary" title="New bot" submitLabel="Create bot" {...creation}>
      <TextField name="name" isRequired autoFocus maxLength={100}>
        <Label>Name</Label>
        <Input />
        <FieldError />
      </TextField>
      <TextField name="description">
        <Label>Description (for your team)</Label>
        <TextArea />
      </TextField>
    </FormDialog>
  );
}
