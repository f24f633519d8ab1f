/**
 * How good the answers are: a Parley server (in this process, the embedded
 * default unless OLLAMA_BASE_URL is set) learns the documents in
 * bench/eval/docs through the public API, then is asked the questions of
 * bench/eval/questions.json: answerable ones, each with the document that
 * holds the answer and the fact the answer must contain, and unanswerable
 * ones (general knowledge, and near misses about a document's subject that it
 * does not cover). Prints:
 *
 * - cited source: the right document is among the answer's sources;
 * - fact: the answer's text holds the expected fact;
 * - don't know: precision (of the answers that said so, how many should have)
 *   and recall (of the unanswerable questions, how many got it);
 * - p50 latency of sendMessage.
 *
 *   npm run eval            (PARLEY_EVAL_VERBOSE=1 prints every answer)
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { graphqlAt } from "./api.js";

interface Answerable {
  q: string;
  doc: string;
  expect: string[];
}
interface Unanswerable {
  q: string;
  near?: string;
}

const DIR = path.resolve(import.meta.dirname, "eval");
const VERBOSE = process.env.PARLEY_EVAL_VERBOSE === "1";
const questions = JSON.parse(await readFile(path.join(DIR, "questions.json"), "utf8")) as { answerable: Answerable[]; unanswerable: Unanswerable[] };
const TYPES: Record<string, string> = { ".md": "text/markdown", ".txt": "text/plain", ".html": "text/html" };

const dataDir = await mkdtemp(path.join(os.tmpdir(), "parley-eval-"));
const app = await buildApp(loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", PASSWORD_HASH_COST: "10" }));
const { url } = await app.start(0);

const gql = graphqlAt(url);

/**
 * Corrections (bench/eval/corrections.json): a bot of their own gets each
 * correction's question and answer; its paraphrases must get that answer,
 * its near misses must not get any correction's.
 */
async function evaluateCorrections(workspaceId: string, token: string) {
  const { corrections } = JSON.parse(await readFile(path.join(DIR, "corrections.json"), "utf8")) as {
    corrections: { question: string; answer: string; paraphrases: string[]; near: string[] }[];
  };
  const { createBot } = await gql<{ createBot: { id: string } }>(
    `mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "Corrections" }) { id } }`,
    { w: workspaceId },
    token,
  );
  for (const c of corrections) {
    await gql(
      `mutation($b: ID!, $q: String!, $a: String!) { createCorrection(botId: $b, input: { question: $q, answer: $a }) { id } }`,
      { b: createBot.id, q: c.question, a: c.answer },
      token,
    );
  }
  const reply = async (q: string) =>
    (
      await gql<{ sendMessage: { message: { content: string; corrected: boolean } } }>(
        `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { message { content corrected } } }`,
        { b: createBot.id, m: q },
        token,
      )
    ).sendMessage.message;
  let paraphrases = 0;
  let matched = 0;
  let near = 0;
  let taken = 0;
  for (const c of corrections) {
    for (const q of c.paraphrases) {
      const answer = await reply(q);
      paraphrases++;
      if (answer.content === c.answer) matched++;
      else if (VERBOSE || !answer.corrected) console.log(`✗ (paraphrase) ${q}\n    of: ${c.question}\n    → ${answer.content.slice(0, 120)}`);
    }
    for (const q of c.near) {
      const answer = await reply(q);
      near++;
      if (answer.corrected) {
        taken++;
        console.log(`✗ (near miss) ${q}\n    took: ${answer.content.slice(0, 120)}`);
      }
    }
  }
  const pct = (n: number, of: number) => `${((100 * n) / Math.max(of, 1)).toFixed(0)}% (${n}/${of})`;
  console.log(`\n${corrections.length} corrections (bench/eval/corrections.json):`);
  console.log(`paraphrase gets its correction (target ≥ 95%)     ${pct(matched, paraphrases)}`);
  console.log(`near miss gets a correction (target ≤ 5%)          ${pct(taken, near)}`);
}

/** Whitespace and case aside, does the answer hold the fact? */
const holds = (answer: string, fact: string) => answer.replace(/\s+/g, " ").toLowerCase().includes(fact.replace(/\s+/g, " ").toLowerCase());

try {
  const { signUp } = await gql<{ signUp: { session: { token: string }; workspace: { id: string } } }>(
    `mutation { signUp(email: "eval@example.com", password: "an evaluation passphrase", workspaceName: "Eval") { session { token } workspace { id } } }`,
    {},
  );
  const token = signUp.session.token;
  const { createBot } = await gql<{ createBot: { id: string } }>(
    `mutation($w: ID!) { createBot(input: { workspaceId: $w, name: "Eval" }) { id } }`,
    { w: signUp.workspace.id },
    token,
  );
  const botId = createBot.id;

  // The documents go in as a website owner's would: uploaded files, through the connectors.
  for (const file of (await readdir(path.join(DIR, "docs"))).sort()) {
    const form = new FormData();
    form.set(
      "operations",
      JSON.stringify({ query: `mutation($b: ID!, $f: File!) { uploadDocument(botId: $b, file: $f) { id } }`, variables: { b: botId, f: null } }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.f"] }));
    form.set("0", new Blob([await readFile(path.join(DIR, "docs", file))], { type: TYPES[path.extname(file)] ?? "text/plain" }), file);
    const response = await fetch(`${url}/graphql`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await response.json()) as { errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`${file}: ${body.errors[0]!.message}`);
  }
  for (;;) {
    const { bot } = await gql<{ bot: { sourceCounts: { total: number; synced: number; error: number } } }>(
      `query($b: ID!) { bot(id: $b) { sourceCounts { total synced error } } }`,
      { b: botId },
      token,
    );
    if (bot.sourceCounts.error) throw new Error("a document failed to ingest");
    if (bot.sourceCounts.synced === bot.sourceCounts.total) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // Answers name a document by its title; the questions by its file.
  const listed = await gql<{ bot: { sources: { edges: { node: { id: string; name: string } }[] } } }>(
    `query($b: ID!) { bot(id: $b) { sources(first: 100) { edges { node { id name } } } } }`,
    { b: botId },
    token,
  );
  const idOf = new Map(listed.bot.sources.edges.map((e) => [e.node.name, e.node.id]));
  const latencies: number[] = [];
  async function ask(q: string): Promise<{ content: string; sources: string[]; sourceIds: string[]; grounded: boolean | null }> {
    const started = performance.now();
    const { sendMessage } = await gql<{ sendMessage: { message: { content: string }; sources: { id: string; name: string }[]; grounded?: boolean | null } }>(
      `mutation($b: ID!, $m: String!) { sendMessage(botId: $b, message: $m) { message { content } sources { id name } grounded } }`,
      { b: botId, m: q },
      token,
    );
    latencies.push(performance.now() - started);
    return {
      content: sendMessage.message.content,
      sources: sendMessage.sources.map((s) => s.name),
      sourceIds: sendMessage.sources.map((s) => s.id),
      grounded: sendMessage.grounded ?? null,
    };
  }
  const saysDontKnow = (answer: { grounded: boolean | null }) => answer.grounded === false;

  let cited = 0;
  let facts = 0;
  let dontKnowRight = 0;
  let dontKnowWrong = 0;
  for (const item of questions.answerable) {
    const answer = await ask(item.q);
    const hasSource = answer.sourceIds.includes(idOf.get(item.doc) ?? "?");
    const hasFact = item.expect.some((fact) => holds(answer.content, fact));
    cited += Number(hasSource);
    facts += Number(hasFact);
    dontKnowWrong += Number(saysDontKnow(answer));
    if (VERBOSE || !hasFact)
      console.log(`${hasFact ? "  " : "✗ "}${item.q}\n    → ${answer.content.slice(0, 240)}\n    sources: ${answer.sources.join(", ") || "none"}`);
  }
  for (const item of questions.unanswerable) {
    const answer = await ask(item.q);
    const right = saysDontKnow(answer);
    dontKnowRight += Number(right);
    if (VERBOSE || !right) console.log(`${right ? "  " : "✗ "}(unanswerable) ${item.q}\n    → ${answer.content.slice(0, 240)}`);
  }

  const pct = (n: number, of: number) => `${((100 * n) / Math.max(of, 1)).toFixed(0)}% (${n}/${of})`;
  const p50 = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)]!;
  const answerer = process.env.OLLAMA_BASE_URL ? `Ollama (${process.env.CHAT_MODEL ?? "default model"})` : "embedded extractive answerer";
  console.log(`\n${questions.answerable.length} answerable and ${questions.unanswerable.length} unanswerable questions, ${answerer}:`);
  console.log(`cited source (right document among the sources)   ${pct(cited, questions.answerable.length)}`);
  console.log(`fact (the answer holds the expected fact)          ${pct(facts, questions.answerable.length)}`);
  console.log(`don't know: precision                              ${pct(dontKnowRight, dontKnowRight + dontKnowWrong)}`);
  console.log(`don't know: recall                                 ${pct(dontKnowRight, questions.unanswerable.length)}`);
  console.log(`sendMessage latency p50                            ${p50.toFixed(0)} ms`);
  await evaluateCorrections(signUp.workspace.id, token);
} finally {
  await app.stop();
  await rm(dataDir, { recursive: true, force: true });
}
