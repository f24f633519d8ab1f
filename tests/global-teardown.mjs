import { rm } from "node:fs/promises";
import path from "node:path";

export default async function globalTeardown() {
  const template = process.env.PARLEY_TEST_TEMPLATE;
  if (template) await rm(path.dirname(template), { recursive: true, force: true });
}
