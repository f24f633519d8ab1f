import { useState } from "react";
import { Button } from "react-aria-components";
import { useClient, useQuery } from "urql";
import { messageOf } from "../errors.js";
import { Leads, LeadsCsv } from "../operations.js";
import { Pager, usePaging } from "../pager.js";
import { when } from "../dates.js";

/** Messages visitors left when nobody could come, newest first, and the whole list as CSV for a spreadsheet or a CRM. */
export function LeadsPanel({ botId }: { botId: string }) {
  const paging = usePaging();
  const client = useClient();
  const [{ data, error, fetching }] = useQuery({ query: Leads, variables: { botId, ...paging.variables }, requestPolicy: "cache-and-network" });
  const [problem, setProblem] = useState<string | null>(null);

  async function download() {
    const result = await client.query(LeadsCsv, { botId }, { requestPolicy: "network-only" }).toPromise();
    if (result.error || !result.data) return setProblem(messageOf(result.error) ?? "The export failed.");
    setProblem(null);
    const url = URL.createObjectURL(new Blob([result.data.bot.leadsCsv], { type: "text/csv;charset=utf-8" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: `messages-${new Date().toISOString().slice(0, 10)}.csv` });
    link.click();
    URL.revokeObjectURL(url);
  }

  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const leads = data.bot.leads;
  return (
    <div className="leads">
      <p className="muted">What visitors wrote when nobody could come to the chat: outside your hours, with no operator online, or after waiting too long.</p>
      {leads.totalCount > 0 && <Button onPress={download}>Download as CSV</Button>}
      {problem && <p role="alert">{problem}</p>}
      {leads.edges.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <div>
          <table className="sources" aria-label="Messages left by visitors" tabIndex={0}>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">From</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {leads.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td data-label="Received">{when(node.createdAt)}</td>
                  <th scope="row" data-label="From">
                    {node.name && <span>{node.name} </span>}
                    <a href={`mailto:${node.email}`}>{node.email}</a>
                    {node.phone && <span> · {node.phone}</span>}
                  </th>
                  <td data-label="Message" className="live-text">
                    {node.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Pages of messages" count={leads.totalCount} noun={["message", "messages"]} pageInfo={leads.pageInfo} busy={fetching} onPage={paging.set} />
    </div>
  );
}
