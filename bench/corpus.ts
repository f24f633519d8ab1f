/**
 * Generated text for the benchmarks, with a Zipf-like spread of words (a few
 * very common, most rare), so that chunks differ as real documents do and
 * their embeddings are not near-duplicates (which would make HNSW inserts
 * look slower than they are).
 */
const common = "the a of to and in is for on with that by this be are from or at as your you it can not".split(" ");
const vocabulary = Array.from({ length: 4000 }, (_, i) => {
  const syllables = ["ka", "lo", "mi", "ren", "tor", "vi", "sen", "dra", "pul", "gem", "nos", "fi", "ul", "bar"];
  let word = "";
  for (let n = i + 7; word.length < 4 || n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
  return word;
});

/** About `bytes` of sentences, paragraphs every eight; the same for the same seed. */
export function prose(bytes: number, seed: number): string {
  const out: string[] = [];
  let size = 0;
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const word = () => (next() < 0.4 ? common[Math.floor(next() * common.length)]! : vocabulary[Math.floor(Math.exp(next() * Math.log(vocabulary.length))) - 1]!);
  while (size < bytes) {
    const sentence = Array.from({ length: 12 }, word).join(" ") + ".";
    out.push(sentence);
    size += sentence.length + 1;
    if (out.length % 8 === 0) out.push("\n\n");
  }
  return out.join(" ");
}
