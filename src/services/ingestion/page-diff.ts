import { diffLines } from "diff";

/** One line of a page's diff: added, removed, unchanged context, or a run of unchanged lines left out. */
export interface DiffLine {
  kind: "added" | "removed" | "context" | "skipped";
  text: string;
}

/** Unchanged lines kept around each change. */
const CONTEXT = 2;
/** Lines a diff keeps at most: a page rewritten from top to bottom is summarised, not stored twice. */
export const MAX_DIFF_LINES = 300;

/**
 * The lines of a page's text that changed between two syncs, with a little
 * context, through jsdiff (the `diff` package): what an owner reads to see
 * what the site changed.
 */
export function pageDiff(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  // Both end in one newline, so a last line is not told apart from itself by its line end.
  const parts = diffLines(before.replace(/\n*$/, "\n"), after.replace(/\n*$/, "\n"));
  parts.forEach((part, i) => {
    const text = part.value.replace(/\n$/, "").split("\n");
    if (part.added || part.removed) {
      for (const line of text) lines.push({ kind: part.added ? "added" : "removed", text: line });
      return;
    }
    const head = i > 0 ? text.slice(0, CONTEXT) : [];
    const tail = i < parts.length - 1 ? text.slice(Math.max(head.length, text.length - CONTEXT)) : [];
    const skipped = text.length - head.length - tail.length;
    for (const line of head) lines.push({ kind: "context", text: line });
    if (skipped > 0) lines.push({ kind: "skipped", text: `${skipped} unchanged line${skipped === 1 ? "" : "s"}` });
    for (const line of tail) lines.push({ kind: "context", text: line });
  });
  if (lines.length <= MAX_DIFF_LINES) return lines;
  const rest = lines.length - MAX_DIFF_LINES;
  return [...lines.slice(0, MAX_DIFF_LINES), { kind: "skipped", text: `${rest} more line${rest === 1 ? "" : "s"} of changes` }];
}
