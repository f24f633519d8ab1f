import { once } from "node:events";
import { describe, expect, it } from "@jest/globals";
import { getIntrospectionQuery, parse } from "graphql";
import WebSocket from "ws";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { chatOverWs } from "./helpers/chat.js";
import { gqlRaw, wsClient, wsOnce } from "./helpers/graphql.js";

/** An app with one active bot and one API key for it. */
async function botWithKey(env: Record<string, string> = {}) {
  const t = await startApp(env);
  const admin = await signUp(t.url);
  const botId = await createBot(t.url, admin);
  await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, admin.headers);
  const key = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId }, admin.headers);
  const secret = key.data!.createApiKey.secret as string;
  return { t, admin, botId, secret, asKey: { "x-api-key": secret } };
}

const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

async function usageOf(t: TestApp, operation: string) {
  await t.app.services.usage.flush();
  return t.app.services.db.prisma.apiKeyUsage.findMany({ where: { operation } });
}

describe("public calls are charged for what they do", () => {
  it("counts every aliased root field against the key's limit, and answers 429 with Retry-After", async () => {
    const { t, asKey } = await botWithKey({ RATE_LIMIT_PER_KEY_PER_MINUTE: "10" });
    // The measured case: 150 aliases on a fresh key. Refused whole by the alias cap now.
    expect((await gqlRaw(t.url, aliased(150, "publicBot { name }"), {}, asKey)).errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");

    const response = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...asKey },
      body: JSON.stringify({ query: aliased(15, "publicBot { name }") }),
    });
    const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors[0]!.extensions).toMatchObject({ code: "RATE_LIMITED", limit: 10 });
    expect(body.errors[0]!.extensions.http).toBeUndefined();
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await usageOf(t, "publicBot")).map((u) => u.errorCode)).toEqual(["RATE_LIMITED"]);

    // 6 then 4 fit in the minute's 10; the next single call does not.
    expect((await gqlRaw(t.url, aliased(6, "publicBot { name }"), {}, asKey)).errors).toBeUndefined();
    expect((await gqlRaw(t.url, aliased(4, "publicBot { name }"), {}, asKey)).errors).toBeUndefined();
    const refused = await gqlRaw(t.url, `{ publicBot { name } }`, {}, asKey);
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });

  it("lets one request ask one question: 20 aliased sendMessage fields are refused before any is answered", async () => {
    const { t, botId, asKey } = await botWithKey();
    const send = `sendMessage(botId: "${botId}", message: "Hello?") { message { content } }`;
    const result = await gqlRaw(t.url, `mutation ${aliased(20, send)}`, {}, asKey);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", questions: 20, maxQuestions: 1 });
    expect(result.data ?? null).toBeNull();
    expect(await t.app.services.db.prisma.message.count()).toBe(0);
    expect((await gqlRaw(t.url, `mutation { ${send} }`, {}, asKey)).errors).toBeUndefined();
  });

  it("charges websocket and SSE subscriptions like HTTP requests", async () => {
    const { t, botId, secret, asKey } = await botWithKey({ RATE_LIMIT_PER_KEY_PER_MINUTE: "3" });
    const ws = wsClient(t.url, { apiKey: secret });
    await chatOverWs(ws, { botId, message: "Hello?" });
    const sse = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...asKey },
      body: JSON.stringify({ query: `subscription($b: ID!) { chat(botId: $b, message: "Hi") { __typename } }`, variables: { b: botId } }),
    });
    expect(await sse.text()).toContain("ChatCompleted");
    expect((await gqlRaw(t.url, `{ publicBot { name } }`, {}, asKey)).errors).toBeUndefined();
    await expect(chatOverWs(ws, { botId, message: "Again?" })).rejects.toMatchObject({ extensions: { code: "RATE_LIMITED" } });
  });
});

describe("cross-site requests", () => {
  const foreign = { origin: "https://evil.example.net" };

  it("refuses form-encoded and plain-text bodies, with or without ?api_key=, before anything runs", async () => {
    const { t, admin, botId, secret } = await botWithKey();
    const forms = [
      {
        url: `${t.url}/graphql`,
        type: "application/x-www-form-urlencoded",
        body: new URLSearchParams({ query: "mutation { logOut }" }).toString(),
        headers: {},
      },
      {
        url: `${t.url}/graphql?api_key=${encodeURIComponent(secret)}`,
        type: "application/x-www-form-urlencoded",
        body: new URLSearchParams({ query: `mutation { sendMessage(botId: "${botId}", message: "Hi") { sessionId } }` }).toString(),
        headers: {},
      },
      { url: `${t.url}/graphql`, type: "text/plain", body: JSON.stringify({ query: "mutation { logOut }" }), headers: admin.headers },
    ];
    for (const form of forms) {
      const response = await fetch(form.url, { method: "POST", headers: { ...foreign, ...form.headers, "content-type": form.type }, body: form.body });
      expect(response.status).toBe(415);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    expect(await t.app.services.db.prisma.message.count()).toBe(0);
    expect((await gqlRaw(t.url, `{ me { id } }`, {}, admin.headers)).errors).toBeUndefined();
  });

  it("requires a header no form can send on multipart uploads and GET requests", async () => {
    const { t, admin, botId } = await botWithKey();
    const form = new FormData();
    const query = `mutation($b: ID!, $file: File!) { uploadDocument(botId: $b, file: $file) { id } }`;
    form.set("operations", JSON.stringify({ query, variables: { b: botId, file: null } }));
    form.set("map", JSON.stringify({ 0: ["variables.file"] }));
    form.set("0", new Blob(["Opening hours: 9 to 5."], { type: "text/plain" }), "hours.txt");
    const bare = await fetch(`${t.url}/graphql`, { method: "POST", headers: foreign, body: form });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("CSRF_PREVENTED");
    expect(await t.app.services.db.prisma.source.count()).toBe(0);
    const signed = await fetch(`${t.url}/graphql`, { method: "POST", headers: admin.headers, body: form });
    expect(((await signed.json()) as { data: { uploadDocument: { id: string } } }).data.uploadDocument.id).toBeTruthy();

    const get = (headers: Record<string, string>) => fetch(`${t.url}/graphql?query=${encodeURIComponent("{ health { status } }")}`, { headers });
    expect((await get(foreign)).status).toBe(403);
    expect((await get({ "graphql-require-preflight": "1" })).status).toBe(200);
  });

  it("answers CORS preflights for any site, never with credentials", async () => {
    const { t } = await botWithKey();
    const response = await fetch(`${t.url}/graphql`, {
      method: "OPTIONS",
      headers: { ...foreign, "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-api-key" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBe(foreign.origin);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("access-control-allow-headers")).toMatch(/x-api-key/);
    const post = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { ...foreign, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ health { status } }" }),
    });
    expect(post.headers.get("access-control-allow-credentials")).toBeNull();
    expect(post.headers.get("access-control-expose-headers")).toMatch(/retry-after/i);
  });
});

describe("documents are capped before they run", () => {
  it("refuses too many aliases, directives and tokens, and counts introspection in the cost", async () => {
    const { t, admin } = await botWithKey();
    const refusal = async (query: string) => {
      const result = await gqlRaw(t.url, query, {}, admin.headers);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
      return result.errors![0]!.message;
    };
    expect(await refusal(aliased(1000, "me { id }"))).toMatch(/Token limit of 2000 exceeded/);
    expect(await refusal(aliased(25, "me { id }"))).toMatch(/Aliases limit of 20 exceeded, found 25/);
    expect(await refusal(`{ me { ${Array.from({ length: 30 }, () => "id @include(if: true)").join(" ")} } }`)).toMatch(/Directives limit of 20 exceeded/);
    expect(await refusal(`{ me { ${"id ".repeat(2500)} } }`)).toMatch(/Token limit of 2000 exceeded/);
    expect(await refusal(aliased(50, "__schema { types { name fields { name } } }"))).toMatch(/Aliases limit of 20 exceeded, found 50/);
    // Under the alias cap, introspection still costs what it fetches: at most one full introspection of this schema.
    const deep = "__schema { types { name fields { name args { name type { name ofType { name } } } } } }";
    expect(await refusal(aliased(15, deep))).toMatch(/introspects about \d+ fields; one full introspection of this schema is \d+/);
    const full = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true });
    const twice = full.replace("query IntrospectionQuery {", "query IntrospectionQuery { again: __schema { types { name fields { name args { name } } } }");
    expect(await refusal(twice)).toMatch(/introspects about/);
    expect((await gqlRaw(t.url, aliased(10, "me { id }"), {}, admin.headers)).errors).toBeUndefined();
    // What GraphiQL asks for fits, however the schema grows.
    expect((await gqlRaw(t.url, full)).errors).toBeUndefined();
  });

  // Each fragment spreads the one before twice: expanded, 2^30 fields. Measured once each, a few hundred steps.
  const doubling = (levels: number, on: string, leaf: string) =>
    [`fragment F0 on ${on} { ${leaf} }`, ...Array.from({ length: levels }, (_, i) => `fragment F${i + 1} on ${on} { ...F${i} ...F${i} }`)].join("\n");

  it("measures fragments once: thirty levels of doubling fragments answer at once, over HTTP, with a key and over a websocket", async () => {
    const { t, admin, asKey } = await botWithKey();
    const anonymous = await gqlRaw(t.url, `query { ...F30 }\n${doubling(30, "Query", "version")}`);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data).toEqual({ version: expect.any(String) });
    const nested = await gqlRaw(t.url, `query { me { ...F30 } }\n${doubling(30, "User", "id")}`, {}, admin.headers);
    expect(nested.data).toEqual({ me: { id: admin.userId } });
    // A public request is charged per root field it runs: one.
    const keyed = await gqlRaw(t.url, `query { ...F30 }\n${doubling(30, "Query", "publicBot { id }")}`, {}, asKey);
    expect(keyed.errors).toBeUndefined();
    const ws = wsClient(t.url, { authorization: admin.token });
    expect((await wsOnce(ws, parse(`query { ...F30 }\n${doubling(30, "Query", "version")}`))).data).toEqual({ version: expect.any(String) });
  }, 15_000);

  it("refuses an oversized document over a websocket without closing it", async () => {
    const { t, admin } = await botWithKey();
    const ws = wsClient(t.url, { authorization: admin.token });
    await expect(wsOnce(ws, parse(aliased(25, "me { id }")))).rejects.toEqual([expect.objectContaining({ extensions: { code: "QUERY_TOO_COMPLEX" } })]);
    const tooLong = new Promise((resolve, reject) =>
      ws.subscribe({ query: `{ me { ${"id ".repeat(2500)} } }` }, { next: resolve, error: reject, complete: () => resolve(undefined) }),
    );
    await expect(tooLong).rejects.toEqual([expect.objectContaining({ extensions: { code: "QUERY_TOO_COMPLEX" } })]);
    expect((await wsOnce(ws, parse("{ me { id } }"))).data).toEqual({ me: { id: admin.userId } });
  });

  it("closes a websocket whose opening failed inside as an internal error, naming nothing inside", async () => {
    const { t, secret } = await botWithKey();
    // The key lookup fails as a database would, with an address in its message.
    t.app.services.publicAccess.authenticate = () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.5:5432"));
    const socket = new WebSocket(`${t.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init", payload: { apiKey: secret } }));
    const [code, reason] = (await once(socket, "close")) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: 4500, reason: "Internal server error" });
  });

  it("with INTROSPECTION=false, suggests no names: fields, arguments, enum values, input fields, variables", async () => {
    const { t, admin } = await botWithKey({ INTROSPECTION: "false" });
    const probes: [string, Record<string, unknown>][] = [
      [`{ bot { id } }`, {}],
      [`{ me { emial } }`, {}],
      [`{ bots(serch: "a") { totalCount } }`, {}],
      [`mutation { createBot(input: { workspaceId: "${admin.workspaceId}", nmae: "x" }) { id } }`, {}],
      [`{ me { memberships { workspace { bots { nodes { sources(status: SYNCD) { totalCount } } } } } } }`, {}],
      [`mutation($i: CreateBotInput!) { createBot(input: $i) { id } }`, { i: { workspaceId: admin.workspaceId, nmae: "x" } }],
      [`query($s: SyncStatus) { me { memberships { workspace { bots { nodes { sources(status: $s) { totalCount } } } } } } }`, { s: "SYNCD" }],
      [`{ __schema { types { name } } }`, {}],
    ];
    for (const [query, variables] of probes) {
      const result = await gqlRaw(t.url, query, variables, admin.headers);
      expect(result.errors?.length).toBeGreaterThan(0);
      for (const error of result.errors!) expect(error.message).not.toMatch(/Did you mean/i);
    }
    const open = await startApp();
    const suggested = await gqlRaw(open.url, `{ me { emial } }`);
    expect(suggested.errors?.[0]?.message).toMatch(/Did you mean "email"\?/);
  });
});

describe("accounts", () => {
  const SIGN_UP = `mutation($e: String!, $p: String!, $w: String!) { signUp(email: $e, password: $p, workspaceName: $w) { session { token } } }`;

  it("refuses passwords that are easy to guess, saying why at the field", async () => {
    const t = await startApp();
    // Common passwords, repeats, the business's name, and the email's name with digits, either way round.
    for (const weak of ["password", "12345678", "aaaaaaaa", "Password1", "acme-rockets", "janedoe2024", "JaneDoe1987", "doe.jane99", "DoeJane2001!"]) {
      const result = await gqlRaw(t.url, SIGN_UP, { e: "jane.doe@acme-rockets.com", p: weak, w: "Acme Rockets" });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "password", minScore: 3 });
      expect(result.errors?.[0]?.message).toMatch(/^This password is too easy to guess/);
    }
    const common = await gqlRaw(t.url, SIGN_UP, { e: "jane@example.com", p: "password", w: "W" });
    expect(common.errors?.[0]?.message).toMatch(/commonly used|heavily used/);
    expect(await t.app.services.db.prisma.user.count()).toBe(0);
    expect((await gqlRaw(t.url, SIGN_UP, { e: "jane@example.com", p: "plum orchard telescope", w: "W" })).errors).toBeUndefined();
  });

  it("answers a taken email at sign-up without saying an account exists", async () => {
    const t = await startApp();
    await gqlRaw(t.url, SIGN_UP, { e: "taken@example.com", p: "plum orchard telescope", w: "W" });
    const again = await gqlRaw(t.url, SIGN_UP, { e: "taken@example.com", p: "another strong passphrase", w: "W2" });
    expect(again.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", field: "email" });
    expect(again.errors?.[0]?.message).toBe("This email cannot be used to sign up. If you have an account, log in.");
  });
});
