/**
 * What the server adds to a streamed answer, against a fake Ollama on
 * loopback (tests/fake-ollama) so the model's own time is excluded:
 *   - the latency between the model sending a token and the client receiving
 *     it (first token and later tokens, p50/p99);
 *   - the time from subscribing to the first token, minus the model's time;
 *   - many concurrent streams at 25 tokens/s each: token latency and the
 *     server's event-loop lag while they run (sampled inside the server by
 *     bench/lag-probe.ts; also the round trip of GET /livez from here).
 * The server runs as its own process (`node --import tsx src/main.ts`).
 *
 *   npm run bench:chat             (PARLEY_BENCH_STREAMS=200)
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startFakeOllama } from "../tests/fake-ollama/server.js";
import { spawnParley } from "./api.js";
import { percentile } from "./stats.js";

const STREAMS = Number(process.env.PARLEY_BENCH_STREAMS ?? 200);
/** New streams start spread over this long, as visitors arrive, not all in one instant. */
const RAMP_MS = 15000;
/** 30 s per stream: with the 15 s ramp, all streams run at once for about 15 s. */
const TOKENS = 750;
const SEQUENTIAL = 50;
const now = () => performance.timeOrigin + performance.now();
/** A token carrying the time it was sent, read back by the client. */
const stamped = (count: number) => Array.from({ length: count }, () => () => `${now()}|`);

const ollama = await startFakeOllama();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-bench-"));
const lagFile = path.join(dataDir, "lag.json");
const profile = process.env.PARLEY_BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PARLEY_BENCH_PROFILE}`] : [];
const server = spawnParley({ dataDir, lagFile, nodeArgs: profile, env: { OLLAMA_BASE_URL: ollama.url } });
let log = "";
const url = await new Promise<string>((resolve, reject) => {
  server.stderr!.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  const timer = setInterval(() => {
    const match = /"url":"([^"]+)"/.exec(log);
    if (match) {
      clearInterval(timer);
      resolve(match[1]!);
    }
  }, 50);
  server.on("exit", (code) => reject(new Error(`server exited with ${code}: ${log}`)));
});

async function gql(query: string, variables: object = {}, token?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any -- a bench reads results by shape
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const signUp = await gql(
  `mutation { signUp(email: "bench@example.com", password: "bench password", workspaceName: "Bench") { session { token } workspace { id } } }`,
);
const token: string = signUp.signUp.session.token;
const botId: string = (await gql(`mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "Bench" }) { id } }`, { w: signUp.signUp.workspace.id }, token))
  .createBot.id;
const sourceId: string = (
  await gql(
    `mutation($b: ID!) { addTextSource(botId: $b, title: "Warranty", text: "The warranty lasts two years from delivery.") { id } }`,
    { b: botId },
    token,
  )
).addTextSource.id;
for (;;) {
  const { source } = await gql(`query($id: ID!) { source(id: $id) { syncStatus } }`, { id: sourceId }, token);
  if (source.syncStatus === "SYNCED") break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const wsUrl = `${url.replace("http", "ws")}/graphql`;
const newClient = () =>
  createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false, retryAttempts: 0 });
const CHAT = `subscription($b: ID!, $m: String!) { chat(botId: $b, message: $m) { __typename ... on ChatToken { text } ... on ChatFailed { error } } }`;

interface StreamTimes {
  subscribedAt: number;
  /** When the fake model received the chat request (sequential streams only). */
  modelAskedAt?: number;
  firstReceivedAt?: number;
  firstSentAt?: number;
  latencies: number[];
  /** Receipt time of each token, for windowing. */
  receivedAt: number[];
  completedAt?: number;
}

function stream(client: Client): Promise<StreamTimes> {
  const times: StreamTimes = { subscribedAt: now(), latencies: [], receivedAt: [] };
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query: CHAT, variables: { b: botId, m: "How long is the warranty?" } },
      {
        next: ({ data }) => {
          const event = (data as { chat: { __typename: string; text?: string; error?: string } }).chat;
          if (event.__typename === "ChatFailed") return reject(new Error(event.error));
          if (event.__typename !== "ChatToken") return;
          const receivedAt = now();
          const sentAt = Number(event.text!.slice(0, -1));
          if (times.firstReceivedAt === undefined) {
            times.firstReceivedAt = receivedAt;
            times.firstSentAt = sentAt;
          }
          times.latencies.push(receivedAt - sentAt);
          times.receivedAt.push(receivedAt);
        },
        error: reject,
        complete: () => {
          times.completedAt = now();
          resolve(times);
        },
      },
    );
  });
}

// 1. Sequential streams: the latency one stream sees on an idle server (a model at 50 tokens/s).
const client = newClient();
ollama.scriptChat({ tokens: stamped(20), delayMs: 20 });
const sequential: StreamTimes[] = [];
for (let i = 0; i < SEQUENTIAL + 5; i++) {
  const requestsBefore = ollama.requests.length;
  const times = await stream(client);
  times.modelAskedAt = ollama.requests.slice(requestsBefore).find((r) => r.path === "/api/chat")?.at;
  if (i >= 5) sequential.push(times); // the first few warm the JIT up
}
// 1b. The same streams through bench/relay.ts: the transport's own floor on this machine.
const relay = spawn(process.execPath, ["--import", "tsx", "bench/relay.ts", ollama.url], {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, NODE_OPTIONS: "" },
});
const relayPort = await new Promise<string>((resolve) => relay.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
const relayStream = (socket: WebSocket) =>
  new Promise<number[]>((resolve) => {
    const latencies: number[] = [];
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { text?: string; done?: boolean };
      if (message.done) {
        socket.off("message", onMessage);
        return resolve(latencies);
      }
      latencies.push(now() - Number(message.text!.slice(0, -1)));
    };
    socket.on("message", onMessage);
    socket.send("go");
  });
const relaySocket = new WebSocket(`ws://127.0.0.1:${relayPort}`);
await new Promise((resolve) => relaySocket.once("open", resolve));
const relayLatencies: number[][] = [];
for (let i = 0; i < SEQUENTIAL + 5; i++) {
  const latencies = await relayStream(relaySocket);
  if (i >= 5) relayLatencies.push(latencies);
}
relaySocket.close();
relay.kill("SIGTERM");
const relayFirst = relayLatencies.map((l) => l[0]!);
const relayLater = relayLatencies.flatMap((l) => l.slice(1));

const firstTokenLatency = sequential.map((s) => s.latencies[0]!);
const laterTokenLatency = sequential.flatMap((s) => s.latencies.slice(1));
// The model's own time (from its request to its first token) taken out;
// the embedding round trip to the fake stays in.
const toFirstToken = sequential.map((s) => s.firstReceivedAt! - s.subscribedAt - (s.firstSentAt! - s.modelAskedAt!));
await client.dispose();

// 2. Concurrent streams at 25 tokens/s (40 ms apart), started over RAMP_MS;
// figures are taken while all of them stream at once.
ollama.scriptChat({ tokens: stamped(TOKENS), delayMs: 40 });
const clients = Array.from({ length: STREAMS }, newClient);
const pings: { at: number; ms: number }[] = [];
let pinging = true;
const pinger = (async () => {
  while (pinging) {
    const t0 = now();
    await fetch(`${url}/livez`);
    pings.push({ at: t0, ms: now() - t0 });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
})();
const loadStart = now();
const results = await Promise.allSettled(
  clients.map(async (c, i) => {
    await new Promise((resolve) => setTimeout(resolve, (i * RAMP_MS) / STREAMS));
    return stream(c);
  }),
);
const loadSeconds = (now() - loadStart) / 1000;
pinging = false;
await pinger;
const completed = results.filter((r): r is PromiseFulfilledResult<StreamTimes> => r.status === "fulfilled").map((r) => r.value);
const failed = results.length - completed.length;
const steadyFrom = Math.max(...completed.map((s) => s.firstReceivedAt ?? Infinity));
const steadyTo = Math.min(...completed.map((s) => s.completedAt ?? -Infinity));
const inWindow = (at: number) => at >= steadyFrom && at <= steadyTo;
const concurrentLatency = completed.flatMap((s) => s.latencies.filter((_, i) => inWindow(s.receivedAt[i]!)));
const steadyPings = pings.filter((p) => inWindow(p.at)).map((p) => p.ms);
await Promise.all(clients.map(async (c) => c.dispose()));

const ms = (v: number) => `${v.toFixed(2)} ms`;
console.log(`Sequential streams (${SEQUENTIAL}, 20 tokens each), model time excluded:`);
console.log(
  `  first token: model -> client added  p50 ${ms(percentile(firstTokenLatency, 50))}  p99 ${ms(percentile(firstTokenLatency, 99))}   (target p50 <= 5, p99 <= 20)`,
);
console.log(
  `  later tokens: model -> client added p50 ${ms(percentile(laterTokenLatency, 50))}  p99 ${ms(percentile(laterTokenLatency, 99))}   (target p99 <= 2)`,
);
console.log(
  `  the floor: a bare relay (bench/relay.ts: HTTP NDJSON in, websocket out, nothing else) first token p50 ${ms(percentile(relayFirst, 50))} p99 ${ms(percentile(relayFirst, 99))}, later tokens p50 ${ms(percentile(relayLater, 50))} p99 ${ms(percentile(relayLater, 99))}`,
);
console.log(
  `  Parley's own share of later tokens (Parley minus relay): p50 ${ms(percentile(laterTokenLatency, 50) - percentile(relayLater, 50))}  p99 ${ms(percentile(laterTokenLatency, 99) - percentile(relayLater, 99))}`,
);
console.log(
  `  subscribe -> first token, the model's time taken out (auth, session, question stored, embedding round trip, retrieval, prompt, relay): p50 ${ms(percentile(toFirstToken, 50))}  p99 ${ms(percentile(toFirstToken, 99))}`,
);
console.log(
  `Concurrent streams: ${STREAMS} at 25 tokens/s, ${TOKENS} tokens each, started over ${RAMP_MS / 1000} s; ran ${loadSeconds.toFixed(1)} s; completed ${completed.length}, failed ${failed}`,
);
console.log(`  while all ${completed.length} stream at once (${((steadyTo - steadyFrom) / 1000).toFixed(1)} s, ${concurrentLatency.length} tokens):`);
console.log(`  token latency added p50 ${ms(percentile(concurrentLatency, 50))}  p99 ${ms(percentile(concurrentLatency, 99))}`);

server.kill("SIGTERM");
await new Promise((resolve) => server.on("exit", resolve));
// The server's own lag (bench/lag-probe.ts), free of this process's load:
// this process plays the model and 200 clients, as busy as the server.
const lag = JSON.parse(await readFile(lagFile, "utf8")) as [number, number][];
const steadyLag = lag.filter(([at]) => inWindow(at)).map(([, lagMs]) => lagMs);
console.log(
  `  server event-loop lag (sampled in the server every 10 ms): p50 ${ms(percentile(steadyLag, 50))}  p99 ${ms(percentile(steadyLag, 99))}  max ${ms(Math.max(...steadyLag))}   (target p99 <= 20)`,
);
console.log(`  GET /livez round trip from this process (includes its own lag): p50 ${ms(percentile(steadyPings, 50))}  p99 ${ms(percentile(steadyPings, 99))}`);
const allPings = pings.map((p) => p.ms);
const allLag = lag.filter(([at]) => at >= loadStart).map(([, lagMs]) => lagMs);
console.log(
  `  over the whole run, arrivals and completions included: server lag p99 ${ms(percentile(allLag, 99))}, max ${ms(Math.max(...allLag))}; /livez p99 ${ms(percentile(allPings, 99))}, max ${ms(Math.max(...allPings))}`,
);
await ollama.close();
await rm(dataDir, { recursive: true, force: true });
