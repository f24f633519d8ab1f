/**
 * Three projects, so a change can be tried against its own kind of test:
 *   npm test -- unit      functions on their own, no server or database (seconds)
 *   npm test -- api       the server end to end over HTTP and websockets, on databases copied from one template
 *   npm test -- browser   the console and the widget in Chromium (builds them first)
 * `npm test` alone runs the checks, then all three.
 */

// The code under test runs as it runs in production (the Docker image sets NODE_ENV=production): jest
// would set "test", and graphql-js, Prisma, GraphQL Armor and graphql-ws then take their development
// paths (graphql-js alone spent ~2 of the schema walk's 30 s of CPU checking types across realms).
process.env.NODE_ENV = "production";

/** Test files that need neither a server nor a database. */
const UNIT = ["connectors", "web-connector", "widget-conversation", "console-units", "config", "extractive", "schedules", "priority", "text-search"];
/** Test files that drive Chromium. */
const BROWSER = ["console", "console-a11y", "console-connection", "console-journey", "graphiql", "widget", "live-handoff"];

const files = (names) => names.map((name) => `<rootDir>/tests/${name}.test.ts`);

/** @type {import('jest').Config} */
const base = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/data/"],
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { target: "es2023", parser: { syntax: "typescript" } },
        module: { type: "es6" },
      },
    ],
  },
  // Sources import with .js extensions (NodeNext); jest resolves the .ts files.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
};

/** Projects that open databases: one migrated database per run, copied for each test (see tests/global-setup.mjs). */
const withDatabase = {
  ...base,
  // PGlite's WebAssembly compiled once per jest worker, not once per database (see the file).
  testEnvironment: "<rootDir>/tests/environment.mjs",
  globalSetup: "<rootDir>/tests/global-setup.mjs",
  globalTeardown: "<rootDir>/tests/global-teardown.mjs",
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 60_000,
  // Longest files first (tests/sequencer.mjs): the suite ends when they do.
  testSequencer: "<rootDir>/tests/sequencer.mjs",
  // PGlite instances are heavy on 2 cores; keep parallelism modest.
  maxWorkers: 2,
  // Each test file loads its own copy of the app (ESM modules are not shared
  // between files): a worker that has grown past this is replaced.
  workerIdleMemoryLimit: "1GB",
  projects: [
    { ...base, displayName: "unit", testMatch: files(UNIT) },
    {
      ...withDatabase,
      displayName: "api",
      testMatch: ["<rootDir>/tests/**/*.test.ts"],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, ...[...UNIT, ...BROWSER].map((name) => `/tests/${name}\\.test\\.ts$`)],
    },
    { ...withDatabase, displayName: "browser", testMatch: files(BROWSER) },
  ],
};
