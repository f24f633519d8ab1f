import { rm } from "node:fs/promises";
import path from "node:path";

export default async function globalTeardown() {
  // Once, after the last project that used it.
  const template = process.env.PARLEY_TEST_TEMPLATE;
  delete process.env.PARLEY_TEST_TEMPLATE;
  delete process.env.PARLEY_TEST_EMPTY_TEMPLATE;
  if (template) await rm(path.dirname(template), { recursive: true, force: true });
}
