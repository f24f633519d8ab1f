import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { stopOnSignals } from "./process.js";
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
    console: `${url}/admin`,
    database: app.services.db.kind === "pglite" ? `pglite (${config.dataDir})` : "postgres",
    models: config.OLLAMA_BASE_URL ? "ollama" : "embedded",
  });

  stopOnSignals(app, logger);
} catch (error) {
  logger.error("start-up failed", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
