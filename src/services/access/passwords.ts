import { ZxcvbnFactory, type ZxcvbnResult } from "@zxcvbn-ts/core";
import { AppError } from "../errors.js";

/** zxcvbn's scores: 0 too guessable … 4 very unguessable. */
export type PasswordScore = 0 | 1 | 2 | 3 | 4;

/**
 * Only this much of a password is estimated: zxcvbn's matching grows with
 * length (50 ms at 200 characters), and 64 characters that are not one
 * repeated pattern are strong whatever follows.
 */
const ESTIMATED_LENGTH = 64;

let estimator: Promise<ZxcvbnFactory> | undefined;

/** The dictionaries (~2 MB: common passwords, names, English words) load on first use, not at start-up. */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import("@zxcvbn-ts/language-common"), import("@zxcvbn-ts/language-en")]).then(
    ([common, en]) =>
      new ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
        maxLength: ESTIMATED_LENGTH,
      }),
  );
  return estimator;
}

/**
 * Refuses a password an attacker would guess early: common passwords,
 * keyboard walks, repeats, dates, and words from the account itself (email,
 * name, workspace). The error says why, in zxcvbn's words, at the field.
 */
export async function assertStrongPassword(password: string, minScore: PasswordScore, accountWords: readonly string[]): Promise<void> {
  const result: ZxcvbnResult = (await loadEstimator()).check(password, accountWords.flatMap(wordsOf));
  if (result.score >= minScore) return;
  const reason = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(" ");
  throw new AppError("BAD_USER_INPUT", `This password is too easy to guess${reason ? `: ${reason}` : "."}`, {
    field: "password",
    score: result.score,
    minScore,
  });
}

/**
 * What a guesser tries first from an account's own words: each word, and
 * the email's name run together either way round, with or without its
 * separator ("ann.lee99@acme.com" → ann, lee, acme, annlee, leeann,
 * lee.ann…), since "annlee2024" is the email's name and a year.
 */
function wordsOf(text: string): string[] {
  const lower = text.toLowerCase();
  const name = lower.split("@")[0]!;
  const parts = name.split(/[^\p{L}]+/u).filter((word) => word.length >= 2);
  const words = lower.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= 3);
  const runs = [parts, [...parts].reverse()].flatMap((order) => ["", ".", "_", "-"].map((separator) => order.join(separator)));
  // zxcvbn ranks earlier words as likelier guesses.
  return [...new Set([...runs, ...words, lower])].filter((word) => word.length >= 3);
}
