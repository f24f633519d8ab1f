import type { Prisma, PrismaClient } from "@prisma/client";

/** Bytes per stored part: on PGlite one part is a statement of ~10 to 40 ms. */
export const FILE_PART_BYTES = 256 * 1024;

type Db = Pick<PrismaClient, "$executeRaw" | "$queryRaw"> | Prisma.TransactionClient;

/**
 * A source's original file, stored in parts. Each part crosses the driver as
 * base64 text and is decoded by the database: two thirds of the hex text
 * `pg` sends for a bytea parameter. Parts keep each statement short, so
 * other requests run between them.
 */
export async function writeFile(db: Db, sourceId: string, bytes: Uint8Array): Promise<void> {
  await db.$executeRaw`DELETE FROM source_file_parts WHERE source_id = ${sourceId}::uuid`;
  for (let part = 0; part * FILE_PART_BYTES < bytes.length; part++) {
    const slice = bytes.subarray(part * FILE_PART_BYTES, (part + 1) * FILE_PART_BYTES);
    const base64 = Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString("base64");
    await db.$executeRaw`INSERT INTO source_file_parts (source_id, part, data) VALUES (${sourceId}::uuid, ${part}, decode(${base64}, 'base64'))`;
  }
}

/** The whole file, or null when the source has none (links, and sources from before files were kept). */
export async function readFile(db: Db, sourceId: string): Promise<Uint8Array | null> {
  const parts: Buffer[] = [];
  for (let part = 0; ; part++) {
    const [row] = await db.$queryRaw<{ data: string }[]>`
      SELECT encode(data, 'base64') AS data FROM source_file_parts WHERE source_id = ${sourceId}::uuid AND part = ${part}`;
    if (!row) break;
    parts.push(Buffer.from(row.data, "base64"));
  }
  return parts.length ? new Uint8Array(Buffer.concat(parts)) : null;
}
