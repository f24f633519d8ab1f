import { useEffect, useMemo, useRef, useState } from "react";
import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue } from "react-aria-components";
import { useQuery } from "urql";
import uPlot from "uplot";
import type { UsageQuery } from "../gql/graphql.js";
import { messageOf } from "../errors.js";
import { Usage } from "../operations.js";
import { day, when } from "../dates.js";
import { roundAbove } from "../chart-scale.js";

type Bucket = UsageQuery["bot"]["usage"][number];

const RANGES = {
  day: { label: "Last 24 hours, by hour", interval: "HOUR", stepMs: 3_600_000, steps: 24 },
  week: { label: "Last 7 days, by day", interval: "DAY", stepMs: 86_400_000, steps: 7 },
  month: { label: "Last 30 days, by day", interval: "DAY", stepMs: 86_400_000, steps: 30 },
} as const;
type Range = keyof typeof RANGES;

/** The buckets of a range, oldest first: hours, or UTC days as the API counts them. */
function bucketStarts(range: Range, now = Date.now()): number[] {
  const { stepMs, steps } = RANGES[range];
  const last = Math.floor(now / stepMs) * stepMs;
  return Array.from({ length: steps }, (_, i) => last - (steps - 1 - i) * stepMs);
}

/**
 * Public calls to a bot over a chosen range, by hour or day, for all keys or
 * one: calls and errors, p50/p95 latency, tokens, conversations and how many
 * were handed to a person. Charts by uPlot (small,
 * fast, canvas), loaded only when this tab is opened; the same figures as a
 * table for screen readers and keyboards.
 */
export function UsagePanel({ botId }: { botId: string }) {
  const [range, setRange] = useState<Range>("week");
  const [apiKeyId, setApiKeyId] = useState<string>("all");
  const starts = useMemo(() => bucketStarts(range), [range]);
  const variables = {
    botId,
    from: new Date(starts[0]!).toISOString(),
    to: new Date(starts.at(-1)! + RANGES[range].stepMs).toISOString(),
    interval: RANGES[range].interval,
    apiKeyId: apiKeyId === "all" ? null : apiKeyId,
  };
  const [{ data, error }] = useQuery({ query: Usage, variables, requestPolicy: "cache-and-network" });

  const series = useMemo(() => {
    const byStart = new Map((data?.bot.usage ?? []).map((b) => [new Date(b.start).getTime(), b]));
    const buckets = starts.map((start) => ({ start, bucket: byStart.get(start) }));
    const values = (pick: (bucket: Bucket) => number | null, empty: number | null = 0) => buckets.map((b) => (b.bucket ? pick(b.bucket) : empty));
    const calls = values((b) => b.calls);
    const errors = values((b) => b.errors);
    const tokens = values((b) => b.tokens);
    const conversations = values((b) => b.conversations);
    const handedOff = values((b) => b.handedOff);
    // A bucket with conversations but no calls has no response time to draw.
    const latency = (pick: (bucket: Bucket) => number) => values((b) => (b.calls ? pick(b) : null), null);
    return {
      x: starts.map((s) => s / 1000),
      totals: { calls: sum(calls), errors: sum(errors), tokens: sum(tokens), conversations: sum(conversations), handedOff: sum(handedOff) },
      charts: [
        {
          title: "Calls and errors",
          lines: [
            { label: "Calls", values: calls, color: "#444ce7" },
            { label: "Errors", values: errors, color: "#d92d20" },
          ],
        },
        {
          title: "Response time (ms)",
          lines: [
            { label: "p50", values: latency((b) => b.p50Ms), color: "#067647" },
            { label: "p95", values: latency((b) => b.p95Ms), color: "#b54708" },
          ],
        },
        {
          title: "Conversations",
          lines: [
            { label: "Started", values: conversations, color: "#0e9384" },
            { label: "Handed to a person", values: handedOff, color: "#c11574" },
          ],
        },
        { title: "Answer tokens", lines: [{ label: "Tokens", values: tokens, color: "#6941c6" }] },
      ],
      rows: buckets.filter((b): b is { start: number; bucket: Bucket } => Boolean(b.bucket)),
    };
  }, [data, starts]);

  if (error) return <p role="alert">{messageOf(error)}</p>;
  const keys = data?.bot.apiKeys.edges.map((e) => e.node) ?? [];
  const hourly = RANGES[range].interval === "HOUR";
  return (
    <div className="usage">
      <div className="row">
        <Picker label="Range" value={range} onChange={(v) => setRange(v as Range)} items={Object.entries(RANGES).map(([id, r]) => ({ id, name: r.label }))} />
        <Picker
          label="API key"
          value={apiKeyId}
          onChange={setApiKeyId}
          items={[{ id: "all", name: "All keys" }, ...keys.map((k) => ({ id: k.id, name: k.name }))]}
        />
      </div>
      {!data ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <p className="muted">
            Public calls, through the bot&apos;s API keys: your websites&apos; widget, and the console&apos;s live preview (key “Console preview”). Questions
            asked in the Playground are not counted.
          </p>
          <p aria-live="polite">
            {series.totals.calls.toLocaleString()} calls, {series.totals.errors.toLocaleString()} errors, {series.totals.tokens.toLocaleString()} tokens.{" "}
            {series.totals.conversations.toLocaleString()} conversations, {series.totals.handedOff.toLocaleString()} handed to a person.
          </p>
          {series.charts.map((chart) => (
            <Chart key={chart.title} title={chart.title} hourly={hourly} x={series.x} lines={chart.lines} />
          ))}
          <UsageTable rows={series.rows} hourly={hourly} />
        </>
      )}
    </div>
  );
}

function Picker({ label, value, onChange, items }: { label: string; value: string; onChange: (value: string) => void; items: { id: string; name: string }[] }) {
  return (
    <Select selectedKey={value} onSelectionChange={(key) => key !== null && onChange(String(key))}>
      <Label>{label}</Label>
      <Button>
        <SelectValue />
      </Button>
      <Popover>
        <ListBox items={items}>{(item) => <ListBoxItem id={item.id}>{item.name}</ListBoxItem>}</ListBox>
      </Popover>
    </Select>
  );
}

const sum = (values: (number | null)[]) => values.reduce<number>((total, v) => total + (v ?? 0), 0);

const tick = (seconds: number, hourly: boolean) =>
  new Date(seconds * 1000).toLocaleString(undefined, hourly ? { hour: "numeric" } : { month: "short", day: "numeric" });

interface Line {
  label: string;
  values: (number | null)[];
  color: string;
}

/** One uPlot chart, as wide as its container; drawn again when the data or the width change. */
function Chart({ title, x, lines, hourly }: { title: string; x: number[]; lines: Line[]; hourly: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: 200,
        series: [{}, ...lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: false }))],
        // Ticks on whole hours or days, labelled as the buckets are.
        axes: [
          { incrs: hourly ? [3600, 3 * 3600, 6 * 3600] : [86_400, 2 * 86_400, 7 * 86_400], values: (_u, ticks) => ticks.map((t) => tick(t, hourly)) },
          { size: 56 },
        ],
        // From zero to a round number above the highest point, so no point (p95 above all) sits on or past the top edge.
        scales: { y: { range: (_u, _min, max) => [0, roundAbove(max ?? 0)] } },
        // The legend names the lines; the values are in the table below (a live legend read "Time: -- Calls: --").
        legend: { live: false },
      },
      [x, ...lines.map((line) => line.values)],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 280), height: 200 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, lines, hourly]);
  return (
    <figure className="chart">
      <h3>{title}</h3>
      <div ref={box} aria-hidden="true" />
    </figure>
  );
}

function UsageTable({ rows, hourly }: { rows: { start: number; bucket: Bucket }[]; hourly: boolean }) {
  if (!rows.length) return <p className="muted">No public calls or conversations in this range.</p>;
  const at = (ms: number) => (hourly ? when(ms) : day(ms));
  return (
    <details>
      <summary>The figures as a table</summary>
      <table aria-label="Usage" className="sources">
        <thead>
          <tr>
            <th scope="col">{hourly ? "Hour" : "Day"}</th>
            <th scope="col">Calls</th>
            <th scope="col">Errors</th>
            <th scope="col">p50 ms</th>
            <th scope="col">p95 ms</th>
            <th scope="col">Tokens</th>
            <th scope="col">Conversations</th>
            <th scope="col">Handed to a person</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ start, bucket }) => (
            <tr key={start}>
              <th scope="row">{at(start)}</th>
              <td data-label="Calls">{bucket.calls}</td>
              <td data-label="Errors">{bucket.errors}</td>
              <td data-label="p50 ms">{bucket.calls ? Math.round(bucket.p50Ms) : "–"}</td>
              <td data-label="p95 ms">{bucket.calls ? Math.round(bucket.p95Ms) : "–"}</td>
              <td data-label="Tokens">{bucket.tokens}</td>
              <td data-label="Conversations">{bucket.conversations}</td>
              <td data-label="Handed to a person">{bucket.handedOff}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
