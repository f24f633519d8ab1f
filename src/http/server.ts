import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on `port` of `host` (0 picks a free port); resolves with the address it got. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections and closes idle ones. The promise settles
 * once requests in flight are answered; `cutAfterMs` later, their
 * connections are cut.
 */
export async function closeServer(server: Server, cutAfterMs: number): Promise<void> {
  const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), cutAfterMs);
  await closed;
  clearTimeout(timer);
}

/**
 * Runs closing steps in order, each once, even when one fails (the
 * database is still closed when a worker pool would not end); the first
 * failure is thrown after the last step.
 */
export async function closeInOrder(steps: readonly (() => Promise<void> | void)[]): Promise<void> {
  let failure: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
