import type { App } from "./app.js";
import type { Logger } from "./logger.js";

/**
 * SIGTERM and SIGINT stop the app gracefully, then exit. A terminal's Ctrl-C
 * reaches both npm and this process, and npm forwards it too: a repeat
 * within a second is the same request, a later one means "now".
 */
export function stopOnSignals(app: App, logger: Logger): void {
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt && Date.now() - firstSignalAt < 1000) return;
    if (firstSignalAt) {
      logger.warn("second signal: exiting without waiting", { signal });
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info("signal received", { signal });
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("shutdown failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
