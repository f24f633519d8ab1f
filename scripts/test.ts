/**
 * `npm test`: the checks and builds (scripts/checks.ts), then every jest
 * project. `npm test -- unit` (or `api`, `browser`) runs that project
 * alone, without the checks: the browser project builds the console and the
 * widget first, which its pages serve. Other arguments go to jest.
 */
import { spawnSync } from "node:child_process";

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
if (everything) run("npx", ["--no-install", "tsx", "scripts/checks.ts"]);
run("npx", ["--no-install", "jest", ...(everything ? [] : ["--selectProjects", ...projects]), ...jestArgs], {
  ...process.env,
  NODE_OPTIONS: [process.env.NODE_OPTIONS, "--experimental-vm-modules"].filter(Boolean).join(" "),
});
