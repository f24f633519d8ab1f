import { spawn, type ChildProcess } from "node:child_process";

/**
 * A bench is one member asking and adding as fast as it can: the per-member
 * limits would measure themselves (MEMBER_ASKS_PER_MINUTE, MEMBER_WORK_PER_HOUR).
 */
export const UNLIMITED_MEMBER = { MEMBER_ASKS_PER_MINUTE: "1000000", MEMBER_WORK_PER_HOUR: "1000000" };

/**
 * Parley from source in a process of its own, on the embedded default in
 * `dataDir`, on a free port (read it with startedAt); with `lagFile`, its
 * event loop's lag is written there (bench/lag-probe.ts). `env` adds to or
 * overrides what every bench sets.
 */
export function spawnParley({
  dataDir,
  lagFile,
  nodeArgs = [],
  env = {},
}: {
  dataDir: string;
  lagFile?: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
}) {
  const probe = lagFile ? ["--import", "./bench/lag-probe.ts"] : [];
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", ...probe, "src/main.ts"], {
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      PASSWORD_HASH_COST: "10",
      NODE_OPTIONS: "",
      ...(lagFile && { PARLEY_LAG_PROBE_FILE: lagFile }),
      ...UNLIMITED_MEMBER,
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/** A GraphQL request to a Parley server, as the benches send them: data, or the first error thrown. */
export function graphqlAt(url: string) {
  return async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors[0]!.message);
    return body.data!;
  };
}

/**
 * The address a spawned Parley server listens on, read from its log's
 * "parley started" line; `onLog` sees every chunk of the log. Rejects with
 * the log if the server exits first.
 */
export function startedAt(server: ChildProcess, onLog: (chunk: Buffer) => void = () => {}): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = "";
    server.stderr!.on("data", (chunk: Buffer) => {
      onLog(chunk);
      log += chunk.toString();
      const match = /"message":"parley started".*?"url":"([^"]+)"/.exec(log);
      if (match) resolve(match[1]!);
    });
    server.on("exit", (code) => reject(new Error(`the server exited with ${code}:\n${log}`)));
  });
}

/** A new account with a workspace and one bot in it, as a bench's tenant. */
export async function createTenant(gql: ReturnType<typeof graphqlAt>, name: string): Promise<{ token: string; botId: string }> {
  const { signUp } = await gql<{ signUp: { session: { token: string }; workspace: { id: string } } }>(
    `mutation($e: String!) { signUp(email: $e, password: "a long bench password", workspaceName: "${name}") { session { token } workspace { id } } }`,
    { e: `${name}-${Date.now()}@example.com` },
  );
  const { createBot } = await gql<{ createBot: { id: string } }>(
    `mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "${name}" }) { id } }`,
    { w: signUp.workspace.id },
    signUp.session.token,
  );
  return { token: signUp.session.token, botId: createBot.id };
}
