/**
 * Lets interactive work (a visitor's chat) go ahead of background writes
 * (ingestion) on the database. PGlite runs one statement at a time, in
 * order: a chat's few statements would each queue behind an ingestion
 * batch. Background work asks `background(worked)` before each batch and
 * waits while interactive work is in flight, but no longer than it has just
 * worked (nor than `maxWaitMs`): under a steady stream of chats, ingestion
 * keeps about half of the database, and chats get the rest and go first.
 */
export function createDatabasePriority({ maxWaitMs = 50 }: { maxWaitMs?: number } = {}) {
  let inFlight = 0;
  let waiters: (() => void)[] = [];

  /** Marks interactive work as begun; call the function returned once, when it ends. */
  function begin(): () => void {
    inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--inFlight === 0) {
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve();
      }
    };
  }

  return {
    begin,

    /** Runs `fn` as interactive work. */
    async interactive<T>(fn: () => Promise<T>): Promise<T> {
      const end = begin();
      try {
        return await fn();
      } finally {
        end();
      }
    },

    /** Resolves when no interactive work is in flight, or after `worked` ms (at most `maxWaitMs`). */
    background(worked = maxWaitMs): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.min(worked, maxWaitMs));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export type DatabasePriority = ReturnType<typeof createDatabasePriority>;
