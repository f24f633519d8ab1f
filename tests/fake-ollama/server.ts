import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOllamaOptions {
  /** Width of the vectors /api/embed returns. @default 384 */
  dimension?: number;
  /** Models /api/tags lists, and the only ones that answer. */
  models?: string[];
}

export interface ChatScript {
  /** The tokens of the answer, sent one NDJSON line each (a function is called at send time). */
  tokens: (string | (() => string))[];
  /** Pause before each token. @default 0 */
  delayMs?: number;
  /** Send this many tokens, then wait for `release()` before the rest. */
  holdAfter?: number;
  /** Close the connection after this many tokens, without a final line. */
  cutAfter?: number;
  /** Wait this long before the response starts. */
  stallMs?: number;
}

export interface FakeOllama {
  url: string;
  /** Every request body, by path, with when it arrived (ms since the epoch, sub-millisecond). */
  requests: { path: string; body: any; at: number }[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read request bodies by shape
  /** Makes the next `n` calls of a path answer 500. */
  failNext(path: string, n: number): void;
  /** How the next /api/chat answers go (the last script is reused). */
  scriptChat(...scripts: ChatScript[]): void;
  /** Lets held chat answers and embeddings go on. */
  release(): void;
  /** While on, /api/embed answers only after `release()`. */
  holdEmbeds(on: boolean): void;
  /** Chat requests whose connection the client closed before the answer ended. */
  readonly abortedChats: number;
  /** Held embedding requests whose connection the client closed. */
  readonly abortedEmbeds: number;
  /** Chat tokens written so far. */
  readonly sentTokens: number;
  close(): Promise<void>;
}

/**
 * What the fake "model" answers for a text: a bag of words hashed into
 * `dimension` buckets, so texts sharing words are similar, as with a real
 * embedding model (deterministic, unlike one).
 */
export function fakeEmbedding(text: string, dimension = 384): number[] {
  const v = new Array<number>(dimension).fill(0.001);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    v[(h >>> 0) % dimension]! += 1;
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON as Ollama clients send it, read by shape
async function readJson(request: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * A test double, never used by the product: a loopback server speaking Ollama's wire protocol (GET /api/tags,
 * POST /api/embed, POST /api/chat streaming NDJSON), so Parley's real
 * `ollama` client code is what runs. Chat answers follow scripts: tokens,
 * pacing, a hold until the test releases them, a cut mid-stream, a stall.
 */
export async function startFakeOllama({ dimension = 384, models = ["all-minilm:latest", "llama3.2:latest"] }: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const requests: FakeOllama["requests"] = [];
  const failures = new Map<string, number>();
  let scripts: ChatScript[] = [{ tokens: ["Hello", " there", "."] }];
  let releaseHeld: () => void = () => {};
  let held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let abortedChats = 0;
  let abortedEmbeds = 0;
  let embedsHeld = false;
  let sentTokens = 0;
  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => response.destroy(error));
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const at = performance.timeOrigin + performance.now();
    const body = request.method === "POST" ? await readJson(request) : undefined;
    requests.push({ path, body, at });
    const failing = failures.get(path) ?? 0;
    if (failing > 0) {
      failures.set(path, failing - 1);
      return json(response, 500, { error: "simulated failure" });
    }
    if (path === "/api/tags" && request.method === "GET") {
      return json(response, 200, {
        models: models.map((name) => ({ name, model: name, modified_at: new Date().toISOString(), size: 1, digest: "x", details: {} })),
      });
    }
    if (path === "/api/embed" && request.method === "POST") {
      if (!models.some((m) => m === body.model || m === `${body.model}:latest`)) {
        return json(response, 404, { error: `model "${body.model}" not found, try pulling it first` });
      }
      if (embedsHeld) {
        let closed = false;
        response.on("close", () => {
          if (!response.writableFinished) {
            closed = true;
            abortedEmbeds++;
          }
        });
        await held;
        if (closed) return;
      }
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      return json(response, 200, { model: body.model, embeddings: inputs.map((t) => fakeEmbedding(t, dimension)) });
    }
    if (path === "/api/chat" && request.method === "POST") {
      if (!models.some((m) => m === body.model || m === `${body.model}:latest`)) {
        return json(response, 404, { error: `model "${body.model}" not found, try pulling it first` });
      }
      const script = scripts.length > 1 ? scripts.shift()! : scripts[0]!;
      let closed = false;
      response.on("close", () => {
        if (!response.writableFinished) {
          closed = true;
          abortedChats++;
        }
      });
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      if (script.stallMs) await pause(script.stallMs);
      if (closed) return;
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      const line = (done: boolean, content: string, extra: object = {}) =>
        JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: "assistant", content }, done, ...extra }) + "\n";
      for (let i = 0; i < script.tokens.length; i++) {
        if (script.holdAfter !== undefined && i === script.holdAfter) await held;
        if (script.delayMs) await pause(script.delayMs);
        if (closed) return;
        if (script.cutAfter !== undefined && i === script.cutAfter) return void response.destroy();
        const token = script.tokens[i]!;
        response.write(line(false, typeof token === "function" ? token() : token));
        sentTokens++;
      }
      response.end(
        line(true, "", {
          done_reason: "stop",
          prompt_eval_count: 42,
          eval_count: script.tokens.length,
          total_duration: 1,
          load_duration: 1,
          prompt_eval_duration: 1,
          eval_duration: 1,
        }),
      );
      return;
    }
    json(response, 404, { error: "not found" });
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (path, n) => failures.set(path, n),
    scriptChat: (...next) => {
      scripts = next;
    },
    release: () => {
      releaseHeld();
      held = new Promise<void>((resolve) => (releaseHeld = resolve));
    },
    holdEmbeds: (on) => {
      embedsHeld = on;
    },
    get abortedChats() {
      return abortedChats;
    },
    get abortedEmbeds() {
      return abortedEmbeds;
    },
    get sentTokens() {
      return sentTokens;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
