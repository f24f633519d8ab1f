import type { Logger } from "../logger.js";

/**
 * A background loop over work kept in the database (scheduled syncs, webhook
 * deliveries): each round does what is due; a full round goes again at once,
 * otherwise it sleeps until `idleMs` says, or until woken (something was
 * queued here). On PostgreSQL other instances queue work too, so it sleeps
 * `pollMs` at most; on PGlite only this process can, so it sleeps until the
 * next due time the database knows, up to `idleMaxMs`.
 */
export function createWorkLoop({
  round,
  failing,
  logger,
  nextDueMs,
  pglite,
  pollMs,
  idleMaxMs,
}: {
  /** Does the work due now; true when there may be more (a full batch). */
  round: () => Promise<boolean>;
  /** What a round that throws could not do, for the warning ("run the scheduled syncs"); the loop goes on. */
  failing: string;
  logger: Logger;
  /** How long until the next work the database knows of (PGlite only). */
  nextDueMs: () => Promise<number>;
  pglite: boolean;
  pollMs: number;
  idleMaxMs: number;
}) {
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: () => void = () => {};

  /** Waits `ms` or until woken; not at all once stopping (a stop that came while a round ran found no sleep to end). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (!running) return resolve();
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function work(): Promise<void> {
    while (running) {
      const more = await round().catch((error: unknown) => {
        logger.warn(`could not ${failing}`, { error: (error as Error).message });
        return false;
      });
      if (more) continue;
      const wait = pglite ? Math.min(idleMaxMs, await nextDueMs().catch(() => pollMs)) : pollMs;
      await sleep(Math.max(wait, 50));
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = work();
    },
    /** Look now rather than at the next poll or due time. */
    wake(): void {
      wakeUp();
    },
    /** Ends after the round under way. */
    async stop(): Promise<void> {
      running = false;
      wakeUp();
      await loop;
    },
  };
}
