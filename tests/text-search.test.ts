import { describe, expect, it } from "@jest/globals";
import { lexemesOf, searchVectorBinary, wordsOf } from "../src/db/text-search.js";
import { extractChunks } from "../src/services/ingestion/extraction.js";

/** Reads tsvector's binary form back, as tsvectorrecv would: [lexeme, positions] in order. */
function decode(buffer: Buffer): [string, number[]][] {
  const entries: [string, number[]][] = [];
  let at = 4;
  for (let i = 0; i < buffer.readInt32BE(0); i++) {
    const end = buffer.indexOf(0, at);
    const lexeme = buffer.toString("utf8", at, end);
    const count = buffer.readUInt16BE(end + 1);
    at = end + 3;
    const positions = Array.from({ length: count }, (_, j) => buffer.readUInt16BE(at + 2 * j));
    at += 2 * count;
    entries.push([lexeme, positions]);
  }
  expect(at).toBe(buffer.length);
  return entries;
}

describe("a chunk's text index entry", () => {
  it("splits words as questions are split, lower-cased and numbered from 1", () => {
    expect(wordsOf("Version 3.14 of ÉCOLE at example.com/help — don't")).toEqual([
      "Version",
      "3",
      "14",
      "of",
      "ÉCOLE",
      "at",
      "example",
      "com",
      "help",
      "don",
      "t",
    ]);
    expect([...lexemesOf("The cat saw the CAT")]).toEqual([
      ["the", [1, 4]],
      ["cat", [2, 5]],
      ["saw", [3]],
    ]);
  });

  it("writes lexemes in the database's byte order, with their positions, in any script", () => {
    const entries = decode(searchVectorBinary("zebra Ärger apple 𠀀書 zebra café"));
    expect(entries).toEqual([
      ["apple", [3]],
      ["café", [6]],
      ["zebra", [1, 5]],
      ["ärger", [2]],
      ["𠀀書", [4]],
    ]);
    const bytes = entries.map(([lexeme]) => Buffer.from(lexeme));
    expect([...bytes].sort(Buffer.compare)).toEqual(bytes);
  });

  it("keeps within tsvector's limits: 256 positions a lexeme, none past 16383, no lexeme over 2047 bytes", () => {
    const many = decode(searchVectorBinary("again ".repeat(300)));
    expect(many).toEqual([["again", Array.from({ length: 256 }, (_, i) => i + 1)]]);
    const long = decode(searchVectorBinary(`${"filler ".repeat(16_400)}last ${"x".repeat(2048)} end`));
    expect(long.find(([lexeme]) => lexeme === "last")![1]).toEqual([16383]);
    expect(long.find(([lexeme]) => lexeme === "end")![1]).toEqual([16383]);
    expect(long.some(([lexeme]) => lexeme.startsWith("xxx"))).toBe(false);
    expect(decode(searchVectorBinary(""))).toEqual([]);
  });

  it("is made with each chunk where the source is read (the extraction worker), not by the server's thread", async () => {
    const text = "Returns are free within 30 days.\n\n".repeat(40);
    const result = await extractChunks(
      {
        connector: "text",
        input: { kind: "TEXT", name: "Returns", bytes: new TextEncoder().encode(text) },
        web: { allowPrivateUrls: false, timeoutMs: 1000, maxBytes: 1024, maxRedirects: 0 },
        chunkSize: 300,
        chunkOverlap: 0,
        maxExtractedBytes: 1024 * 1024,
        embeddingModel: "test",
        embedHere: null,
        previousHash: null,
      },
      new AbortController().signal,
      () => {},
    );
    if (result.unchanged) throw new Error("read as unchanged");
    expect(result.chunks.length).toBeGreaterThan(1);
    for (const chunk of result.chunks) expect(chunk.searchVector && Buffer.from(chunk.searchVector)).toEqual(searchVectorBinary(chunk.content));
  });
});
