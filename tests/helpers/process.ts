import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll } from "@jest/globals";
import { TEST_SHARED_BUFFERS_MB } from "./app.js";

const children = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

/** How to run the server: from source through tsx (`npm start`), or compiled (the Docker image). */
export const FROM_SOURCE = ["--import", "tsx", "src/main.ts"];
export const COMPILED = ["dist/src/main.js"];

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exited: Promise<number | null>;
  /** Everything it has logged so far (JSON lines on stderr). */
  log(): string;
}

/** Starts Parley as a real process on a free port and waits for its "started" log line. */
export async function startProcess(env: Record<string, string>, args = FROM_SOURCE): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: "", PORT: "0", PGLITE_SHARED_BUFFERS_MB: TEST_SHARED_BUFFERS_MB, ...env },
  });
  children.add(child);
  let log = "";
  child.stderr.on("data", (chunk: Buffer) => void (log += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", () => {
      const match = /"message":"parley started".*?"url":"([^"]+)"/.exec(log);
      if (match) resolve(match[1]!);
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code} before starting:\n${log}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, url, exited, log: () => log };
}

/** The JSON log lines with this message. */
export function logLines(process: ServerProcess, message: string): Record<string, unknown>[] {
  return process
    .log()
    .split("\n")
    .filter((line) => line.includes(`"message":"${message}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
