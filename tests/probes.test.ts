/** What operators scrape and probe: /metrics in Prometheus' format, /readyz for load balancers. */
import { describe, expect, it } from "@jest/globals";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { chatOverWs } from "./helpers/chat.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";
import { waitForSource } from "./helpers/sources.js";

/** One sample's value from Prometheus' text format. */
function sample(text: string, name: string, labels = ""): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `) || (labels === "" && l.startsWith(`${name} `)));
  return line ? Number(line.split(" ").at(-1)) : NaN;
}

describe("operator probes", () => {
  it("counts operations, errors by code (rate limits too), chat timings and the ingestion queue at /metrics", async () => {
    const t = await startApp({ RATE_LIMIT_PER_KEY_PER_MINUTE: "1" });
    const admin = await signUp(t.url);
    const botId = await createBot(t.url, admin);
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!) { addTextSource(botId: $b, title: "Hours", text: "We open at nine.") { id } }`,
      { b: botId },
      admin.headers,
    );
    await waitForSource(t, added.data!.addTextSource.id);
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
    const key = (await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "k") { secret } }`, { b: botId }, admin.headers)).data!.createApiKey
      .secret as string;
    await gqlRaw(t.url, `query Me { me { id } }`, {}, admin.headers);
    await gqlRaw(t.url, `{ publicBot { name } }`, {}, { "x-api-key": key });
    await gqlRaw(t.url, `{ publicBot { name } }`, {}, { "x-api-key": key });
    await gqlRaw(t.url, `{ nothing }`, {}, admin.headers);
    await chatOverWs(wsClient(t.url, admin.headers), { botId, message: "When do you open?" });

    const response = await fetch(`${t.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(sample(text, "parley_graphql_operations_total", '{type="query",operation="Me"}')).toBe(1);
    expect(sample(text, "parley_graphql_errors_total", '{code="RATE_LIMITED"}')).toBe(1);
    expect(sample(text, "parley_graphql_errors_total", '{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(sample(text, "parley_chat_first_token_seconds_count")).toBe(1);
    expect(sample(text, "parley_chat_duration_seconds_count", '{outcome="completed"}')).toBe(1);
    expect(sample(text, "parley_ingestion_jobs", '{status="SUCCEEDED"}')).toBe(1);
    expect(sample(text, "parley_ingestion_jobs", '{status="PENDING"}')).toBe(0);
    expect(text).toContain("parley_nodejs_eventloop_lag_seconds");

    const off = await startApp({ METRICS: "false" });
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });

  it("says ready while serving, and not ready once shutdown begins", async () => {
    const t = await startApp();
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    const stopping = t.stop();
    // Between the shutdown's start and the listener's close, a probe must see 503 (if it gets through at all).
    const during = await fetch(`${t.url}/readyz`).then(
      (r) => r.status,
      () => "refused",
    );
    expect([503, "refused"]).toContain(during);
    await stopping;
  });
});
