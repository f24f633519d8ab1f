import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import WebSocket from "ws";
import { tempDir } from "./helpers/app.js";

const children = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

/** Runs `npm start`'s command as a real process and waits for its "started" log line. */
async function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, NODE_OPTIONS: "", PORT: "0", ...env },
  });
  children.add(child);
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      const match = /"message":"parley started".*?"url":"([^"]+)"/.exec(log);
      if (match) resolve(match[1]!);
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code} before starting:\n${log}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, url, exited, log: () => log };
}

describe("the server process", () => {
  it("shuts down gracefully on SIGTERM: open websockets are told, the data folder is released", async () => {
    const dataDir = await tempDir();
    const { child, url, exited, log } = await startProcess({ DATA_DIR: dataDir });
    expect(existsSync(path.join(dataDir, "parley.lock"))).toBe(true);

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
