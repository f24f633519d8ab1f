/**
 * Lets interactive work (a visitor's chat) go ahead of background writes
 * (ingestion) on the database. PGlite runs one statement at a time, in
 * order: a chat's few statements would each queue behind an ingestion
 * batch. Background work asks `background()` before each batch and waits
 * while interactive work is in flight, but never longer than `maxWaitMs`,
 * so a steady stream of chats cannot starve ingestion either.
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

    /** Resolves when no interactive work is in flight, or after `maxWaitMs`. */
    background(): Promise<void> {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export type DatabasePriority = ReturnType<typeof createDatabasePriority>;
