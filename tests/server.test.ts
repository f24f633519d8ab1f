import { describe, expect, it } from "@jest/globals";
import { graphql } from "./gql/index.js";
import { startApp, tempDir, type TestApp } from "./helpers/app.js";

/** One app on the default settings for the tests that only read from it (each start costs ~2 s of CPU). */
let shared: Promise<TestApp> | undefined;
const running = () => (shared ??= startApp());
import { gql, wsClient, wsOnce } from "./helpers/graphql.js";

const HealthQuery = graphql(`
  query Health {
    version
    health {
      status
      version
      database {
        kind
        ok
        latencyMs
      }
      embedding {
        provider
        model
        ok
      }
      chat {
        provider
        ok
      }
    }
  }
`);

describe("the server on the embedded default", () => {
  it("starts on port 0, applies migrations and answers /health, HTTP and graphql-ws", async () => {
    const { app, url, port } = await startApp({}, { fresh: true });
    expect(port).toBeGreaterThan(0);
    expect(app.services.db.kind).toBe("pglite");
    expect(app.services.db.appliedMigrations).toContain("20261125000000_init");

    const tables = await app.services.db.prisma.$queryRaw<{ tablename: string }[]>`
      SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining([
        "workspaces",
        "users",
        "memberships",
        "bots",
        "sources",
        "chunks",
        "prompts",
        "api_keys",
        "chat_sessions",
        "messages",
        "api_key_usage",
        "ingestion_jobs",
        "_parley_migrations",
      ]),
    );

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const report = (await health.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON report read by shape
    expect(report).toMatchObject({
      status: "ok",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      database: { kind: "pglite", ok: true },
      providers: { embedding: { provider: "embedded", ok: true }, chat: { provider: "embedded", ok: true } },
    });

    const overHttp = await gql(url, HealthQuery);
    expect(overHttp.errors).toBeUndefined();
    expect(overHttp.data?.health).toMatchObject({ status: "OK", database: { kind: "pglite", ok: true }, embedding: { provider: "embedded" } });
    expect(overHttp.data?.version).toBe(report.version);

    const overWs = await wsOnce(wsClient(url), HealthQuery);
    expect(overWs.errors).toBeUndefined();
    expect(overWs.data?.health.database).toMatchObject({ kind: "pglite", ok: true });
  });

  it("serves GraphiQL at /graphql to browsers", async () => {
    const { url } = await running();
    const page = await fetch(`${url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Parley GraphQL");
  });

  it("answers malformed GraphQL with a clear error, not a crash", async () => {
    const { url } = await running();
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ health { status " }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions?: { code?: string } }[] };
    expect(body.errors[0]?.message).toMatch(/Syntax Error/);
    expect(body.errors[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("can turn GraphiQL and introspection off", async () => {
    const { url } = await startApp({ GRAPHIQL: "false", INTROSPECTION: "false" });
    const page = await fetch(`${url}/graphql`, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toContain("Parley GraphQL");
    const introspection = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __schema { types { name } } }" }),
    });
    const body = (await introspection.json()) as { data?: unknown; errors?: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it("keeps data across a restart on the same folder, without re-applying migrations", async () => {
    const dataDir = await tempDir();
    const first = await startApp({ DATA_DIR: dataDir });
    const workspace = await first.app.services.db.prisma.workspace.create({ data: { name: "Acme" } });
    await first.stop();

    const second = await startApp({ DATA_DIR: dataDir });
    expect(second.app.services.db.appliedMigrations).toEqual([]);
    const found = await second.app.services.db.prisma.workspace.findUnique({ where: { id: workspace.id } });
    expect(found?.name).toBe("Acme");
  });

  it("refuses to open a data folder that is already in use", async () => {
    const app = await running();
    await expect(startApp({ DATA_DIR: app.dataDir })).rejects.toThrow(/held by another running process/);
    // The running instance is unaffected.
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
  });

  it("refuses to start when EMBEDDING_DIMENSION does not match the embedding column, and releases the folder", async () => {
    const dataDir = await tempDir();
    await expect(startApp({ DATA_DIR: dataDir, EMBEDDING_DIMENSION: "768" })).rejects.toThrow(
      /EMBEDDING_DIMENSION=768 does not match the database's chunks.embedding column, vector\(384\)/,
    );
    const ok = await startApp({ DATA_DIR: dataDir });
    expect(ok.app.services.db.kind).toBe("pglite");
  });

  it("stops cleanly: the port is released and the database closed", async () => {
    const { url, stop, app } = await startApp();
    await stop();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await expect(app.services.db.ping()).rejects.toThrow();
  });
});
