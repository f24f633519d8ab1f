import { describe, expect, it } from "@jest/globals";
import { createLogger } from "../src/logger.js";
import { graphql } from "./gql/index.js";
import { createBot, signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gql, gqlRaw } from "./helpers/graphql.js";

const ListBots = graphql(`
  query ListBots($first: Int) {
    bots(first: $first) {
      totalCount
      edges {
        node {
          id
          name
          workspace {
            name
          }
          settings {
            topK
          }
          prompts(first: 10) {
            totalCount
            edges {
              node {
                text
              }
            }
          }
          apiKeys(first: 10) {
            edges {
              node {
                prefix
                status
              }
            }
          }
          sourceCounts {
            total
          }
          chunkCount
        }
      }
    }
  }
`);

const PageOfBots = graphql(`
  query PageOfBots($first: Int, $after: String, $status: BotStatus) {
    bots(first: $first, after: $after, status: $status) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          name
        }
      }
    }
  }
`);

/** An app whose SQL statements are collected as they run (clear the list before the request to count). */
async function appCountingStatements(): Promise<{ url: string; statements: string[] }> {
  const statements: string[] = [];
  const logger = createLogger("debug", {}, (line) => {
    const entry = JSON.parse(line) as { message: string; query?: string };
    // The ingestion workers' polling runs beside the request: not its queries.
    if (entry.message === "sql" && entry.query && !entry.query.includes("ingestion_jobs")) statements.push(entry.query);
  });
  const { url } = await startApp({ LOG_LEVEL: "debug" }, { logger });
  return { url, statements };
}

describe("listing bots", () => {
  it("pages with cursors, newest first, and filters by status", async () => {
    const { url } = await startApp();
    const account = await signUp(url);
    for (let i = 0; i < 5; i++) await createBot(url, account, `Bot ${i}`);
    const fetchPage = async (after: string | null) => (await gql(url, PageOfBots, { first: 2, after }, account.headers)).data!.bots;
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await fetchPage(after);
      expect(page.totalCount).toBe(5);
      names.push(...page.edges.map((e) => e.node.name));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }
    expect(pages).toBe(3);
    expect(names).toEqual(["Bot 4", "Bot 3", "Bot 2", "Bot 1", "Bot 0"]);

    const drafts = await gql(url, PageOfBots, { status: "DRAFT" }, account.headers);
    expect(drafts.data!.bots.totalCount).toBe(5);
    const active = await gql(url, PageOfBots, { status: "ACTIVE" }, account.headers);
    expect(active.data!.bots.edges).toEqual([]);
  });

  it("takes the same, small number of SQL queries for 5 bots as for 20 (no N+1)", async () => {
    const { url, statements } = await appCountingStatements();
    const account = await signUp(url);

    const countFor = async (first: number) => {
      await gql(url, ListBots, { first }, account.headers); // warm-up: token last-used write
      statements.length = 0;
      const result = await gql(url, ListBots, { first }, account.headers);
      expect(result.errors).toBeUndefined();
      expect(result.data!.bots.edges).toHaveLength(first);
      return statements.length;
    };

    for (let i = 0; i < 20; i++) {
      const botId = await createBot(url, account, `Bot ${i}`);
      await gql(
        url,
        graphql(`mutation AddSystemPrompt($botId: ID!) { createPrompt(botId: $botId, input: { type: SYSTEM, text: "Be brief." }) { id } }`),
        { botId },
        account.headers,
      );
      await gql(url, graphql(`mutation AddKey($botId: ID!) { createApiKey(botId: $botId, name: "site") { secret } }`), { botId }, account.headers);
    }

    const five = await countFor(5);
    const twenty = await countFor(20);
    expect(twenty).toBe(five);
    // Session (token, user, memberships: 3), bots with workspace, prompts and
    // keys (4), the total count (1), source and chunk counts (2).
    expect(twenty).toBeLessThanOrEqual(10);
  });
});

describe("asking a question", () => {
  it("checks who may read the reply without reading its conversation and bot again", async () => {
    const { url, statements } = await appCountingStatements();
    const account = await signUp(url);
    const botId = await createBot(url, account);
    const ask = () =>
      gqlRaw(
        url,
        `mutation($b: ID!) { sendMessage(botId: $b, message: "When do you open?") { sessionId message { id content } } }`,
        { b: botId },
        account.headers,
      );
    await ask(); // warm-up: token last-used write
    statements.length = 0;
    const asked = await ask();
    expect(asked.errors).toBeUndefined();
    expect(asked.data!.sendMessage.message.content).toBeTruthy();
    // The Message's scope needs the conversation's bot and the bot's workspace: the question already read both.
    const scopeLookups = statements.filter((q) => /FROM "public"\."(chat_sessions|bots)" WHERE .*\bIN \(/.test(q));
    expect(scopeLookups).toEqual([]);
    // Nor is the conversation's last activity a statement of its own: the database keeps it as messages are written.
    expect(statements.filter((q) => q.includes('UPDATE "public"."chat_sessions"'))).toEqual([]);
    expect(statements.some((q) => q.includes('INSERT INTO "public"."messages"'))).toBe(true);
  });

  it("looks for webhook endpoints wanting an unanswered question's event in one statement", async () => {
    const { url, statements } = await appCountingStatements();
    const account = await signUp(url);
    const botId = await createBot(url, account);
    await gqlRaw(url, `mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: botId }, account.headers);
    const key = await gqlRaw(url, `mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: botId }, account.headers);
    statements.length = 0;
    // A visitor's question (a member's own publishes no event).
    const asked = await gqlRaw(
      url,
      `mutation($b: ID!) { sendMessage(botId: $b, message: "Do you repair boats?") { grounded } }`,
      { b: botId },
      {
        "x-api-key": key.data!.createApiKey.secret as string,
      },
    );
    expect(asked.data!.sendMessage.grounded).toBe(false); // no sources: unanswered, so conversation.unanswered is published
    for (let i = 0; i < 100 && !statements.some((q) => q.includes("webhook_endpoints")); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const lookups = statements.filter((q) => q.includes("webhook_endpoints"));
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toContain('"public"."bots"');
  });
});
