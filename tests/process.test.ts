import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "@jest/globals";
import WebSocket from "ws";
import { tempDir } from "./helpers/app.js";
import { logLines, startProcess } from "./helpers/process.js";

describe("the server process", () => {
  it("shuts down gracefully on SIGTERM: open websockets are told, the data folder is released", async () => {
    const dataDir = await tempDir();
    const server = await startProcess({ DATA_DIR: dataDir });
    const { child, url, exited, log } = server;
    expect(existsSync(path.join(dataDir, "parley.lock"))).toBe(true);
    // The start-up line says where the console and GraphiQL are.
    expect(logLines(server, "parley started")[0]).toMatchObject({ url, console: `${url}/admin`, graphql: `${url}/graphql` });

    const socket = new WebSocket(`${url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));

    child.kill("SIGTERM");
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
    expect(log()).toContain('"message":"stopped"');
    expect(existsSync(path.join(dataDir, "parley.lock"))).toBe(false);

    // And the folder opens again, with its data.
    const again = await startProcess({ DATA_DIR: dataDir });
    const health = (await (await fetch(`${again.url}/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
    again.child.kill("SIGINT");
    expect(await again.exited).toBe(0);
  });
});
