/**
 * `npm test`: the builds, then every jest project with the checks
 * (scripts/checks.ts) running beside them at a lower priority: the tests
 * leave part of two cores idle (waiting on sockets, timers and Chromium),
 * which the checks' minute of type-checking and linting fills. `npm test -- unit` (or `api`, `browser`) runs that project
 * alone, without the checks: the browser project builds the console and the
 * widget first, which its pages serve. Other arguments go to jest.
 */
import { spawn, spawnSync } from "node:child_process";

const PROJECTS = new Set(["unit", "api", "browser"]);

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const { status, signal } = spawnSync(command, args, { stdio: "inherit", env });
  if (status !== 0) process.exit(status ?? (signal ? 1 : 0));
}

const args = process.argv.slice(2);
const projects = args.filter((arg) => PROJECTS.has(arg));
const jestArgs = args.filter((arg) => !PROJECTS.has(arg));
const everything = projects.length === 0;

if (everything || projects.includes("browser")) {
  run("npm", ["run", "-s", "console:build"]);
  run("npm", ["run", "-s", "widget:build"]);
}
const checks = everything ? spawn("npx", ["--no-install", "tsx", "scripts/checks.ts", "--beside-tests"], { stdio: "inherit" }) : null;
const checked = new Promise<number>((resolve) => (checks ? checks.on("close", (code) => resolve(code ?? 1)) : resolve(0)));
const tests = spawnSync("npx", ["--no-install", "jest", ...(everything ? [] : ["--selectProjects", ...projects]), ...jestArgs], {
  stdio: "inherit",
  env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules"].filter(Boolean).join(" ") },
});
const checksStatus = await checked;
if (checksStatus !== 0) console.error("The checks failed (above): the tests' result does not count until they pass.");
process.exit(tests.status !== 0 ? (tests.status ?? 1) : checksStatus);
