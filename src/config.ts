import path from "node:path";
import { z } from "zod";

/**
 * Every environment variable Parley reads, parsed and validated once at
 * start-up. The README's configuration table mirrors this file.
 */
const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).transform((u) => u.replace(/\/+$/, ""));

const schema = z
  .object({
    /** @default 4000 */
    PORT: int(0, 65535).default(4000),
    /** @default "127.0.0.1" (the Docker image sets 0.0.0.0) */
    HOST: z.string().min(1).default("127.0.0.1"),
    /** PostgreSQL with pgvector; when unset, an embedded PGlite in DATA_DIR. */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" }).optional(),
    /** Connections in the PostgreSQL pool (DATABASE_URL only). @default 10 */
    DATABASE_POOL_SIZE: int(1, 1000).default(10),
    /** @default "./data" */
    DATA_DIR: z.string().min(1).default("./data"),
    /**
     * The embedded database's page cache (PostgreSQL's shared_buffers), in MB:
     * memory it holds from its start. @default 128
     */
    PGLITE_SHARED_BUFFERS_MB: int(1, 65_536).default(128),
    /** When unset, the embedded providers are used (no model server needed). */
    OLLAMA_BASE_URL: httpUrl.optional(),
    /** @default "all-minilm" */
    EMBEDDING_MODEL: z.string().min(1).default("all-minilm"),
    /**
     * The embedder used without Ollama: "words" (GloVe word vectors and the
     * text's vocabulary side by side) or "lexical" (vocabulary alone). @default "words"
     */
    EMBEDDED_EMBEDDER: z.enum(["words", "lexical"]).default("words"),
    /** @default 384 */
    EMBEDDING_DIMENSION: int(1, 16000).default(384),
    /** @default "llama3.2" */
    CHAT_MODEL: z.string().min(1).default("llama3.2"),
    /** How much of a conversation (estimated tokens) is sent back to the model. @default 1500 */
    CHAT_HISTORY_TOKENS: int(0, 100_000).default(1500),
    /** How long to wait for the model's first token, and between tokens, before giving up. @default 60000 */
    CHAT_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
    /** Characters per chunk. @default 1000 */
    CHUNK_SIZE: int(100, 100_000).default(1000),
    /** Characters shared by neighbouring chunks. @default 200 */
    CHUNK_OVERLAP: int(0, 50_000).default(200),
    /** @default 26214400 (25 MiB) */
    MAX_UPLOAD_BYTES: int(1).default(25 * 1024 * 1024),
    /** Ingestion jobs run at once. @default 2 */
    INGESTION_WORKERS: int(1, 64).default(2),
    /** Ingestion jobs of one workspace run at once, so that one tenant cannot take every worker. @default half of INGESTION_WORKERS, at least 1 */
    INGESTION_WORKERS_PER_WORKSPACE: int(1, 64).optional(),
    /** The most one source may expand to: the declared size of a DOCX's parts, and the text extracted. @default 67108864 (64 MiB) */
    MAX_EXTRACTED_BYTES: int(1024).default(64 * 1024 * 1024),
    /** Heap of each extraction worker process; a source needing more fails as SOURCE_TOO_LARGE. @default 1024 */
    EXTRACTION_HEAP_MB: int(32, 65_536).default(1024),
    /** The longest reading one source (a file, or a crawl) may take. @default 300000 (5 minutes) */
    EXTRACTION_TIMEOUT_MS: int(100, 86_400_000).default(300_000),
    /** Retries of a failed ingestion (after the first attempt) when the failure may pass. @default 3 */
    INGESTION_MAX_RETRIES: int(0, 20).default(3),
    /** Delay before the first retry; each next one doubles. @default 5000 */
    INGESTION_RETRY_BASE_MS: int(0, 3_600_000).default(5000),
    /** Let link sources reach private and loopback addresses. @default false */
    ALLOW_PRIVATE_URLS: booleanString.default(false),
    /** The address browsers reach Parley at, used in embed codes. @default http://localhost:PORT */
    PUBLIC_URL: httpUrl.optional(),
    /** How long a login stays valid. @default 168 (7 days) */
    SESSION_TTL_HOURS: int(1, 24 * 366).default(168),
    /** How long an invitation to a workspace may be accepted. @default 168 (7 days) */
    INVITATION_TTL_HOURS: int(1, 24 * 90).default(168),
    /** An SMTP server to email invitations through (`smtp://` or `smtps://`, with user and password); without one the console shows the link to send by hand. @default unset */
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
    /** The sender of Parley's emails. @default Parley <parley@the PUBLIC_URL's host> */
    MAIL_FROM: z.string().min(3).optional(),
    /** scrypt cost as log2(N); 17 is OWASP's recommendation. @default 17 */
    PASSWORD_HASH_COST: int(10, 20).default(17),
    /** Deepest selection set a query may have. @default 12 */
    MAX_QUERY_DEPTH: int(2, 100).default(12),
    /** Largest estimated cost (fields times list sizes) a query may have. @default 20000 */
    MAX_QUERY_COST: int(10, 10_000_000).default(20_000),
    /** Aliased fields a document may have (1,000 aliased `me` ran before this). @default 20 */
    MAX_QUERY_ALIASES: int(1, 10_000).default(20),
    /** Directives a document may have. @default 20 */
    MAX_QUERY_DIRECTIVES: int(1, 10_000).default(20),
    /** Tokens a document may have, counted while parsing, so a huge document stops early. @default 2000 */
    MAX_QUERY_TOKENS: int(100, 1_000_000).default(2000),
    /** Public (API-key) calls per key per minute. @default 100 */
    RATE_LIMIT_PER_KEY_PER_MINUTE: int(1).default(100),
    /** Public calls per bot per hour, all keys together. @default 1000 */
    RATE_LIMIT_PER_BOT_PER_HOUR: int(1).default(1000),
    /** Public calls per client address per hour. @default 10000 */
    RATE_LIMIT_PER_IP_PER_HOUR: int(1).default(10_000),
    /** Questions a signed-in member may ask per minute (sendMessage, and chat in the console's playground), counted per field. @default 120 */
    MEMBER_ASKS_PER_MINUTE: int(1).default(120),
    /** Work a member may start per hour, counted per field: documents, texts and links added, resyncs, check replays, correction imports. @default 600 */
    MEMBER_WORK_PER_HOUR: int(1).default(600),
    /** Log-in attempts on one account from one address (or one device it logged in from before) before each further one must wait (1 s, 2 s, 4 s…). @default 5 */
    AUTH_LOGIN_FREE_ATTEMPTS: int(1, 1000).default(5),
    /** Log-in attempts on one account from devices it has never logged in from, over all addresses, before each further one must wait. @default 50 */
    AUTH_LOGIN_ACCOUNT_FREE_ATTEMPTS: int(1, 100_000).default(50),
    /** The longest wait between two log-in attempts: what an owner on a new device may wait during an attack on their account (a device they logged in from before waits only for its own mistakes). @default 60 */
    AUTH_LOGIN_MAX_DELAY_SECONDS: int(1, 3600).default(60),
    /** Log-in and sign-up attempts per client address per hour. @default 300 */
    AUTH_RATE_LIMIT_PER_IP_PER_HOUR: int(1).default(300),
    /** Sign-ups per client address per hour. @default 20 */
    AUTH_SIGNUPS_PER_IP_PER_HOUR: int(1).default(20),
    /** Least password strength, as zxcvbn's score: 0 anything goes … 4 very hard to guess. @default 3 */
    PASSWORD_MIN_SCORE: int(0, 4).default(3),
    /** Redis for rate-limit counters shared by several instances; in memory when unset. */
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" }).optional(),
    /** Take the client address from X-Forwarded-For (behind a reverse proxy). @default false */
    TRUST_PROXY: booleanString.default(false),
    /** @default true */
    GRAPHIQL: booleanString.default(true),
    /** Serve Prometheus metrics at /metrics. @default true */
    METRICS: booleanString.default(true),
    /** @default true */
    INTROSPECTION: booleanString.default(true),
    /** How long shutdown waits for open requests and streams. @default 10000 */
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
    /** How long after a bot's last source sync its checks run (a crawl of many pages runs them once). @default 10000 */
    CHECKS_AFTER_SYNC_DELAY_MS: int(0, 86_400_000).default(10_000),
    /**
     * How often open subscriptions' rights are checked again (a session that
     * ended, a member removed, a key revoked): streams that lost them end within this. @default 2000
     */
    LIVE_ACCESS_CHECK_MS: int(100, 60_000).default(2000),
    /**
     * 32 random bytes, base64: the key secrets Parley must read back (webhook
     * signing secrets) are encrypted with. On the embedded default one is made
     * in DATA_DIR when unset; instances sharing a DATABASE_URL must share this.
     */
    SECRETS_KEY: z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32, { error: "must be 32 bytes, base64 (openssl rand -base64 32)" })
      .optional(),
    /** Webhook endpoints may be plain http:// (for development; https:// only otherwise). @default false */
    WEBHOOK_ALLOW_HTTP: booleanString.default(false),
    /** Waits before each retry of a failed webhook delivery, comma-separated ms; about a day in all by default (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
    WEBHOOK_RETRY_DELAYS_MS: z
      .string()
      .regex(/^\d+(,\d+)*$/, { error: "must be comma-separated milliseconds" })
      .default("5000,300000,1800000,7200000,18000000,36000000,36000000"),
    /** An endpoint failing this long without a success is switched off. @default 86400000 (a day) */
    WEBHOOK_DISABLE_AFTER_MS: int(1000).default(86_400_000),
    /** The longest a webhook endpoint may take to answer. @default 10000 */
    WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
    /** @default "info" */
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  })
  .refine((c) => c.CHUNK_OVERLAP < c.CHUNK_SIZE, {
    path: ["CHUNK_OVERLAP"],
    error: "must be smaller than CHUNK_SIZE",
  });

/** A variable's value as an error may show it: never a secret, nor a database password. */
function shown(name: string, value: string): string {
  if (name === "SECRETS_KEY") return "(hidden)";
  return JSON.stringify(name === "DATABASE_URL" ? redactUrl(value) : value);
}

/** Every environment variable Parley reads. */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

export type Config = z.output<typeof schema> & {
  /** Absolute DATA_DIR. */
  dataDir: string;
  /** PUBLIC_URL, or http://localhost:PORT. */
  publicUrl: string;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment. Empty strings count as unset, so `FOO=` in an .env
 * file means "use the default", as people expect.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([key, value]) => key in schema.shape && value !== undefined && value.trim() !== ""));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "configuration");
      const value = env[name];
      return `  ${name}=${value === undefined ? "(unset)" : shown(name, value)}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return {
    ...parsed.data,
    dataDir: path.resolve(parsed.data.DATA_DIR),
    publicUrl: parsed.data.PUBLIC_URL ?? `http://localhost:${parsed.data.PORT}`,
  };
}

/** Hides the password of a connection URL, for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable URL)";
  }
}
