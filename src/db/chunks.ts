import type { Prisma, Source } from "@prisma/client";

/**
 * Which chunks readers see. A chunk is stored in a generation of its source
 * and readers see it once the source has reached that generation, unless the
 * source's floor has passed it (a full re-ingestion moves the floor: every
 * older chunk goes at once) or its page was retired in a generation the
 * source has reached (a link's incremental sync: a changed or removed page's
 * chunks go, the unchanged pages' chunks stay where they are). The switch is
 * one update of the source row, so readers see one version or the other.
 */
export function visibleChunkSql(chunk: string, source: string): string {
  return `${chunk}.generation BETWEEN ${source}.floor_generation AND ${source}.generation AND (${chunk}.retired_in IS NULL OR ${chunk}.retired_in > ${source}.generation)`;
}

/** The same, for Prisma queries of one source's chunks. */
export function visibleChunksWhere(source: Pick<Source, "id" | "generation" | "floorGeneration">): Prisma.ChunkWhereInput {
  return {
    sourceId: source.id,
    generation: { gte: source.floorGeneration, lte: source.generation },
    OR: [{ retiredIn: null }, { retiredIn: { gt: source.generation } }],
  };
}
