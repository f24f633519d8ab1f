/**
 * A chunk's full-text index entry (`chunks.search_vector`), made here rather
 * than by the database: to_tsvector('simple', content) in a generated column
 * was 190 µs of a chunk's ~340 µs on PGlite's one thread, which every tenant's
 * statements queue behind (npm run bench:ingest prints it). The server sends
 * it in tsvector's binary form: given as text instead, parsing it still took
 * PGlite ~80 µs a chunk (probes of 4,000 chunks).
 *
 * Words are what retrieval's questions are split into (textTerms): runs of
 * letters and digits, NFKC-normalised and lower-cased. So a question's word
 * finds every chunk that has it, where the database's parser made "3.14",
 * "example.com/page" and "ÉCOLE" lexemes no question's word could match.
 */

/** A word: a run of letters and digits (any script). */
const WORD = /[\p{L}\p{N}]+/gu;

/** tsvector's limits: a lexeme's bytes, positions a lexeme keeps, the last position. */
const MAX_LEXEME_BYTES = 2047;
const MAX_POSITIONS = 256;
const MAX_POSITION = 16383;

/** The words of a text, in order, as written (NFKC). */
export function wordsOf(text: string): string[] {
  return text.normalize("NFKC").match(WORD) ?? [];
}

/** Each lexeme of a text with its positions (1-based, in order), as to_tsvector would list them. */
export function lexemesOf(text: string): Map<string, number[]> {
  const lexemes = new Map<string, number[]>();
  let position = 0;
  for (const word of wordsOf(text)) {
    if (position < MAX_POSITION) position++;
    const lexeme = word.toLowerCase();
    const positions = lexemes.get(lexeme);
    if (!positions) lexemes.set(lexeme, [position]);
    // Past the last position every word stands at it: once is enough (a repeat is refused as misordered).
    else if (positions.length < MAX_POSITIONS && positions.at(-1)! < position) positions.push(position);
  }
  return lexemes;
}

/**
 * A text's tsvector in PostgreSQL's binary form (tsvectorrecv): the count of
 * lexemes, then each lexeme's UTF-8 bytes, a zero, its count of positions and
 * the positions (16 bits, weight D). The database keeps lexemes in byte
 * order; sorted here as strings, which is the same order but for characters
 * beyond the Basic Multilingual Plane, and those few the database sorts on
 * reading. `pg` sends a Buffer parameter in binary.
 */
export function searchVectorBinary(text: string): Buffer {
  const entries = [...lexemesOf(text)]
    .map(([lexeme, positions]) => ({ lexeme, bytes: utf8Length(lexeme), positions }))
    .filter(({ bytes }) => bytes <= MAX_LEXEME_BYTES)
    .sort((a, b) => (a.lexeme < b.lexeme ? -1 : a.lexeme > b.lexeme ? 1 : 0));
  let size = 4;
  for (const { bytes, positions } of entries) size += bytes + 1 + 2 + positions.length * 2;
  // Byte by byte: Buffer's write and writeUInt16BE calls cost more than the rest for a chunk's ~100 lexemes.
  const buffer = Buffer.allocUnsafe(size);
  let at = buffer.writeInt32BE(entries.length, 0);
  const uint16 = (value: number) => {
    buffer[at++] = value >> 8;
    buffer[at++] = value & 0xff;
  };
  for (const { lexeme, bytes, positions } of entries) {
    if (bytes === lexeme.length) for (let i = 0; i < lexeme.length; i++) buffer[at++] = lexeme.charCodeAt(i);
    else at += buffer.write(lexeme, at, "utf8");
    buffer[at++] = 0;
    uint16(positions.length);
    for (const position of positions) uint16(position);
  }
  return buffer;
}

/** A string's length in UTF-8 bytes. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4; // a surrogate pair: one character of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}
