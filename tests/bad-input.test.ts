import { beforeAll, describe, expect, it } from "@jest/globals";
import { createBot, signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { chatOverWs } from "./helpers/chat.js";
import { gqlRaw, wsClient } from "./helpers/graphql.js";

let t: TestApp;
let account: Account;
let botId: string;
let pager: Account | undefined;

beforeAll(async () => {
  t = await startApp({ SESSION_TTL_HOURS: "1" });
  account = await signUp(t.url);
  botId = await createBot(t.url, account);
});

const createBotQuery = `mutation($input: CreateBotInput!) { createBot(input: $input) { id } }`;

describe("text the database cannot take is refused where it enters", () => {
  const nul = "a\u0000b";
  const lone = "a\ud800b";

  it.each([
    ["a NUL byte in a bot name", createBotQuery, () => ({ input: { workspaceId: account.workspaceId, name: nul } }), "$input.name"],
    ["a lone surrogate in a bot name", createBotQuery, () => ({ input: { workspaceId: account.workspaceId, name: lone } }), "$input.name"],
    [
      "a NUL byte in a prompt",
      `mutation($b: ID!, $t: String!) { createPrompt(botId: $b, input: { type: SYSTEM, text: $t }) { id } }`,
      () => ({ b: botId, t: nul }),
      "$t",
    ],
    ["a NUL byte in a search", `query($s: String) { bots(search: $s) { totalCount } }`, () => ({ s: nul }), "$s"],
    [
      "a lone surrogate in a question",
      `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { sessionId } }`,
      () => ({ b: botId, m: lone }),
      "$m",
    ],
    [
      "a NUL byte in a list",
      `mutation($b: ID!, $d: [String!]) { updateBot(id: $b, input: { allowedDomains: $d }) { id } }`,
      () => ({ b: botId, d: ["ok.com", nul] }),
      "$d[1]",
    ],
  ])("%s: BAD_USER_INPUT naming the variable, nothing stored", async (_what, query, variables, where) => {
    const before = await t.app.services.db.prisma.bot.count();
    const result = await gqlRaw(t.url, query, variables(), account.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain(`\`${where}\``);
    expect(await t.app.services.db.prisma.bot.count()).toBe(before);
  });

  it("a NUL byte written into the document itself: BAD_USER_INPUT", async () => {
    const result = await gqlRaw(t.url, `{ bots(search: "x\\u0000") { totalCount } }`, {}, account.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("twenty visitors' questions with NUL bytes cost other tenants nothing", async () => {
    await gqlRaw(t.url, `mutation($b: ID!) { activateBot(id: $b) { id } }`, { b: botId }, account.headers);
    const key = await gqlRaw(t.url, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId }, account.headers);
    const asKey = { "x-api-key": key.data!.createApiKey.secret as string };
    const other = await signUp(t.url, "Bystander");
    const [questions, bystanders] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, () =>
          gqlRaw(t.url, `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { sessionId } }`, { b: botId, m: nul }, asKey),
        ),
      ),
      Promise.all(Array.from({ length: 20 }, () => gqlRaw(t.url, `{ me { email } workspaces { name } }`, {}, other.headers))),
    ]);
    for (const result of questions) expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    for (const result of bystanders) expect(result.errors).toBeUndefined();
    const ws = wsClient(t.url, { apiKey: asKey["x-api-key"] });
    await expect(chatOverWs(ws, { botId, message: nul })).rejects.toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
  });
});

describe("bad input gets its own clear error", () => {
  it.each([
    ["not-a-uuid", /"not-a-uuid" is not a valid bot id/],
    ["'; DROP TABLE bots; --", /is not a valid bot id/],
    ["", /is not a valid bot id/],
  ])("malformed id %j: BAD_USER_INPUT", async (id, message) => {
    const result = await gqlRaw(t.url, `query($id: ID!) { bot(id: $id) { name } }`, { id }, account.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it.each([
    ["an empty name", { name: "   " }, /name: must not be empty/],
    ["a 10,000-character name", { name: "x".repeat(10_000) }, /name: must be at most 200 characters/],
    ["an invalid domain", { name: "ok", allowedDomains: ["exa mple.com"] }, /"exa mple.com" is not a host name/],
    ["a too-broad wildcard", { name: "ok", allowedDomains: ["*.com"] }, /too broad/],
    ["a bare star", { name: "ok", allowedDomains: ["*"] }, /not a host name/],
    ["a temperature of 5", { name: "ok", settings: { temperature: 5 } }, /temperature: must be between 0 and 2/],
    ["a colour that is not one", { name: "ok", settings: { widgetTheme: { primaryColor: "blue" } } }, /primaryColor: must be a colour/],
    // No model server here (OLLAMA_BASE_URL unset): a model would be accepted and never used.
    ["a chat model with no model server configured", { name: "ok", settings: { chatModel: "gpt-4o" } }, /No language model server is configured/],
  ])("a bot with %s: BAD_USER_INPUT naming the field, nothing created", async (_what, input, message) => {
    const before = await t.app.services.db.prisma.bot.count();
    const result = await gqlRaw(t.url, createBotQuery, { input: { workspaceId: account.workspaceId, ...input } }, account.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await t.app.services.db.prisma.bot.count()).toBe(before);
  });

  it("a user template without {question}, or with an unknown placeholder: BAD_USER_INPUT", async () => {
    const create = (text: string) =>
      gqlRaw(
        t.url,
        `mutation($b: ID!, $t: String!) { createPrompt(botId: $b, input: { type: USER_TEMPLATE, text: $t }) { id } }`,
        { b: botId, t: text },
        account.headers,
      );
    const missing = await create("Context: {context}");
    expect(missing.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "text" } });
    expect(missing.errors?.[0]?.message).toMatch(/must contain \{question\}/);
    const unknown = await create("{question} {customer_name}");
    expect(unknown.errors?.[0]?.message).toMatch(/unknown placeholder \{customer_name\}/);
    expect((await create("{history}\n{context}\n{question}")).errors).toBeUndefined();
  });

  it("reordering with a list that is not the bot's prompts: BAD_USER_INPUT", async () => {
    const result = await gqlRaw(t.url, `mutation($b: ID!) { reorderPrompts(botId: $b, promptIds: []) { id } }`, { b: botId }, account.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("an API key that expires in the past: BAD_USER_INPUT", async () => {
    const result = await gqlRaw(
      t.url,
      `mutation($b: ID!) { createApiKey(botId: $b, name: "k", expiresAt: "2001-01-01T00:00:00Z") { secret } }`,
      { b: botId },
      account.headers,
    );
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "expiresAt" } });
  });

  it("a duplicate email: CONFLICT", async () => {
    const result = await gqlRaw(
      t.url,
      `mutation($e: String!) { signUp(email: $e, password: "another password", workspaceName: "Again") { session { token } } }`,
      { e: account.email.toUpperCase() },
    );
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: "CONFLICT", field: "email" } });
    expect(await t.app.services.db.prisma.workspace.count({ where: { name: "Again" } })).toBe(0);
  });

  it.each([
    ["a wrong password", () => account.email, "wrong password!"],
    ["an unknown email", () => "nobody@example.com", "correct horse battery"],
  ])("%s: UNAUTHENTICATED, the same message either way", async (_what, email, password) => {
    const result = await gqlRaw(t.url, `mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { session { token } } }`, {
      e: email(),
      p: password,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(result.errors?.[0]?.message).toBe("Wrong email or password.");
  });

  it("a short password or a malformed email at sign-up: BAD_USER_INPUT", async () => {
    const short = await gqlRaw(t.url, `mutation { signUp(email: "a@example.com", password: "short", workspaceName: "W") { session { token } } }`);
    expect(short.errors?.[0]).toMatchObject({ message: "password: must be at least 8 characters", extensions: { code: "BAD_USER_INPUT" } });
    const email = await gqlRaw(t.url, `mutation { signUp(email: "not an email", password: "long enough pw", workspaceName: "W") { session { token } } }`);
    expect(email.errors?.[0]).toMatchObject({ message: "email: must be an email address", extensions: { code: "BAD_USER_INPUT" } });
  });

  it("an expired token: UNAUTHENTICATED, saying it expired", async () => {
    await t.app.services.db.prisma.authToken.updateMany({ where: { userId: account.userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const result = await gqlRaw(t.url, `{ me { email } }`, {}, account.headers);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(result.errors?.[0]?.message).toMatch(/expired/);
    // A garbage token is refused the same way, with its own message.
    const garbage = await gqlRaw(t.url, `{ me { email } }`, {}, { authorization: "Bearer nonsense" });
    expect(garbage.errors?.[0]?.message).toMatch(/not valid/);
  });

  it.each([
    ["a negative page size", `{ bots(first: -5) { totalCount } }`, /"first" must be a non-negative integer/],
    ["a cursor Parley did not make", `{ bots(after: "garbage") { totalCount } }`, /Invalid cursor/],
    ["a negative page size on a nested list", `{ workspaces { bots(last: -1) { totalCount } } }`, /"last" must be a non-negative integer/],
  ])("%s: BAD_USER_INPUT", async (_what, query, message) => {
    // A session of its own: a test above ends the shared one.
    pager ??= await signUp(t.url, "Pager");
    const result = await gqlRaw(t.url, query, {}, pager.headers);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("an unknown field or a syntax error: the standard GraphQL codes, never a crash", async () => {
    const unknown = await gqlRaw(t.url, `{ bots { edges { node { password } } } }`, {}, account.headers);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const syntax = await gqlRaw(t.url, `{ bots {`, {}, account.headers);
    expect(syntax.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });
});
