import { describe, expect, it } from "@jest/globals";
import { print } from "graphql";
import { graphql } from "./gql/index.js";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";

const SourceEvents = graphql(`
  subscription SourceEvents($botId: ID!) {
    sourceEvents(botId: $botId) {
      sourceId
      status
      chunkCount
      progress {
        step
        done
        total
        unit
      }
    }
  }
`);

describe("sourceEvents", () => {
  it("streams a source's status changes and progress to an admin over graphql-ws", async () => {
    const t = await startApp({ CHUNK_SIZE: "100", CHUNK_OVERLAP: "0" });
    const account = await signUp(t.url);
    const botId = await createBot(t.url, account);
    const client = wsClient(t.url, { authorization: `Bearer ${account.token}` });
    const events: { sourceId: string; status: string; chunkCount?: number | null; progress?: { step: string; done: number; total: number | null } | null }[] =
      [];
    const synced = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: print(SourceEvents), variables: { botId } },
        {
          next: ({ data, errors }) => {
            if (errors) return reject(new Error(errors[0]!.message));
            const event = (data as { sourceEvents: (typeof events)[number] }).sourceEvents;
            events.push(event);
            // Ingestion may finish before addTextSource's answer arrives.
            if (event.status === "SYNCED") resolve();
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    // Let the subscription be established before the source is added.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const text = Array.from({ length: 80 }, (_, i) => `Sentence ${i} about lamps.`).join(" ");
    const added = await gqlRaw(
      t.url,
      `mutation($b: ID!, $t: String!) { addTextSource(botId: $b, title: "Long", text: $t) { id } }`,
      { b: botId, t: text },
      account.headers,
    );
    const sourceId = added.data!.addTextSource.id;
    await synced;

    const mine = events.filter((e) => e.sourceId === sourceId);
    expect(mine[0]!.status).toBe("PENDING");
    expect(mine.map((e) => e.status)).toContain("PROCESSING");
    const embedding = mine.filter((e) => e.progress?.step === "embedding");
    expect(embedding.length).toBeGreaterThan(0);
    expect(embedding.at(-1)!.progress).toMatchObject({ done: embedding.at(-1)!.progress!.total });
    expect(mine.at(-1)).toMatchObject({ status: "SYNCED", chunkCount: expect.any(Number) });
    expect(mine.at(-1)!.chunkCount).toBeGreaterThan(1);
  });

  it("refuses another workspace's bot, and anonymous callers", async () => {
    const t = await startApp();
    const alice = await signUp(t.url);
    const bob = await signUp(t.url);
    const bobsBot = await createBot(t.url, bob);
    const viaHttp = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query: print(SourceEvents), variables: { botId: bobsBot } }),
    });
    const body = await viaHttp.text();
    expect(body).toContain('"code":"NOT_FOUND"');
    const anonymous = await gqlRaw(t.url, print(SourceEvents), { botId: bobsBot });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
