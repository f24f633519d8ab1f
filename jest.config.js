/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/data/"],
  testMatch: ["**/*.test.ts"],
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
  testTimeout: 60_000,
  // One migrated database per run, copied for each test (see tests/global-setup.mjs).
  globalSetup: "<rootDir>/tests/global-setup.mjs",
  globalTeardown: "<rootDir>/tests/global-teardown.mjs",
  // PGlite instances are heavy on 2 cores; keep parallelism modest.
  maxWorkers: 2,
  // Each test file loads its own copy of the app (ESM modules are not shared
  // between files): a worker that has grown past this is replaced.
  workerIdleMemoryLimit: "1GB",
};
