/**
 * Work nobody awaits (a missed question filed in the gaps inbox, webhook
 * deliveries queued for an event), kept track of so that a stop waits for it
 * before the database closes: a question asked just before a shutdown is
 * still filed, its deliveries still queued.
 */
export function createInFlight() {
  const running = new Set<Promise<unknown>>();
  return {
    /** Tracks `work` until it settles; returns it. */
    track<T>(work: Promise<T>): Promise<T> {
      running.add(work);
      void work.then(
        () => running.delete(work),
        () => running.delete(work),
      );
      return work;
    },
    /** Resolves once all tracked work has settled, including work that work started meanwhile. */
    async settled(): Promise<void> {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
