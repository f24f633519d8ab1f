import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../config.js";

/*
 * Secrets Parley must read back to use, unlike passwords and API keys (which
 * it only compares, so stores hashed): a webhook's signing secret signs every
 * delivery. They are stored encrypted with AES-256-GCM under SECRETS_KEY, so
 * a copy of the database alone (a backup, a dump) does not give them away.
 */

const FORMAT = "v1";
const KEY_FILE = "secrets.key";

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/**
 * The box, or null when this deployment has no key every instance shares
 * (DATABASE_URL without SECRETS_KEY): one made in each instance's own data
 * folder would sign with secrets the others cannot open.
 */
export async function loadSecretBox(config: Pick<Config, "SECRETS_KEY" | "DATABASE_URL" | "dataDir">): Promise<SecretBox | null> {
  if (config.SECRETS_KEY) return secretBox(Buffer.from(config.SECRETS_KEY, "base64"));
  if (config.DATABASE_URL) return null;
  return secretBox(await keyFile(config.dataDir));
}

/** The embedded default's key: made once in the data folder, readable by its owner only. */
async function keyFile(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, KEY_FILE);
  try {
    return Buffer.from((await readFile(file, "utf8")).trim(), "base64");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  // "wx": two processes starting at once cannot both write one; the loser reads the winner's.
  try {
    await writeFile(file, key.toString("base64"), { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return Buffer.from((await readFile(file, "utf8")).trim(), "base64");
  }
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("The secrets key must be 32 bytes.");
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [FORMAT, iv.toString("base64"), cipher.getAuthTag().toString("base64"), sealed.toString("base64")].join(":");
    },
    open(sealed) {
      const [format, iv, tag, data] = sealed.split(":");
      if (format !== FORMAT || !iv || !tag || !data) throw new Error("Not a sealed secret.");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
    },
  };
}
