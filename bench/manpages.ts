import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";

/** Manual pages as prose: requests and font escapes of troff dropped, the text of .B/.I/.SH lines kept. */
export function* manualChunks(): Generator<string> {
  const seen = new Set<string>();
  for (const section of ["1", "2", "3", "4", "5", "6", "7", "8"]) {
    const dir = `/usr/share/man/man${section}`;
    for (const file of existsSync(dir) ? readdirSync(dir).sort() : []) {
      let troff: string;
      try {
        troff = gunzipSync(readFileSync(path.join(dir, file))).toString("utf8");
      } catch {
        continue;
      }
      const prose = troff
        .split("\n")
        .filter((line) => !line.startsWith(".") || /^\.(B|I|BR|IR|RB|BI|IB|SH|SS)\s/.test(line))
        .map((line) =>
          line
            .replace(/^\.[A-Z]+\s*/, "")
            .replace(/\\f[BIRP]|\\\(..|\\[&e]|"/g, "")
            .replace(/\\-/g, "-"),
        )
        .join(" ")
        .replace(/\s+/g, " ");
      // Overlapping a little, as the product's chunks do (CHUNK_OVERLAP).
      for (let i = 0; i + 200 < prose.length; i += 750) {
        const chunk = prose.slice(i, i + 1000);
        if (!seen.has(chunk)) yield (seen.add(chunk), chunk);
      }
    }
  }
}
