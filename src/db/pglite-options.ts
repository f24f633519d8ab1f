import { PGlite } from "@electric-sql/pglite";

/**
 * PGlite's start parameters for a page cache (shared_buffers) of
 * `sharedBuffersMb`, or none (PostgreSQL's 128 MB) when absent. Set at each
 * start rather than in postgresql.conf, so that a copied or restored folder
 * keeps no setting of its own. The cache's size is paid at every start:
 * 128 MB took ~0.15 s more CPU to start than 16 MB.
 */
export function pgliteStartParams(sharedBuffersMb: number | undefined): { startParams?: string[] } {
  return sharedBuffersMb ? { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffersMb}MB`] } : {};
}
