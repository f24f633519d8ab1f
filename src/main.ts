import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { VERSION } from "./version.js";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`parley: ${error.message}\n`);
  process.exit(1);
}

const logger = createLogger(config.LOG_LEVEL);

try {
  const app = await buildApp(config, { logger });
  const { url, port } = await app.start();
  logger.info("parley started", {
    version: VERSION,
    port,
    url,
    graphql: `${url}/graphql`,
    database: app.services.db.kind === "pglite" ? `pglite (${config.dataDir})` : "postgres",
    models: config.OLLAMA_BASE_URL ? "ollama" : "embedded",
  });

  // A terminal's Ctrl-C reaches both npm and this process, and npm forwards
  // it too: a repeat within a second is the same request, later it means "now".
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
} catch (error) {
  logger.error("start-up failed", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
