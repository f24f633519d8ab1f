/**
 * The checks `npm test` runs beside the tests, side by side: types of the
 * server, widget and console with lint (one process sharing the programs,
 * scripts/types-and-lint.ts), formatting, and that schema.graphql and the
 * migrations match the code. Each one's output is printed when it ends;
 * any failure fails the whole.
 */
import { spawn } from "node:child_process";
import { availableParallelism, setPriority } from "node:os";

// Beside the tests (scripts/test.ts), the checks take the CPU the tests leave:
// the tests have timeouts and the checks have none, and the suite ends when
// both have, so the checks' children run at a lower priority.
if (process.argv.includes("--beside-tests")) setPriority(10);

/** Longest first, so the two longest do not end up one after the other. */
const CHECKS: [string, string[]][] = [
  ["types and lint", ["tsx", "scripts/types-and-lint.ts"]],
  ["prettier", ["prettier", "--check", "."]],
  ["schema", ["tsx", "scripts/print-schema.ts", "--check"]],
  ["migrations", ["tsx", "scripts/migrations.ts", "check"]],
];

function run([name, [command, ...args]]: [string, string[]]): Promise<boolean> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn("npx", ["--no-install", command!, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? "✔" : "✘"} ${name} (${seconds} s)\n${code === 0 ? "" : output}`);
      resolve(code === 0);
    });
  });
}

const queue = [...CHECKS];
const results: boolean[] = [];
await Promise.all(
  Array.from({ length: Math.max(2, availableParallelism()) }, async () => {
    for (let check = queue.shift(); check; check = queue.shift()) results.push(await run(check));
  }),
);
if (results.includes(false)) process.exit(1);
