import { Prisma, type Correction, type PrismaClient } from "@prisma/client";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { toVectorLiteral } from "../../db/vector.js";
import type { Embedder } from "../../providers/embeddings.js";
import { authorizeBotChild, EDITOR, type Actor } from "../access/access.js";
import type { BotService } from "../tenancy/bots.js";
import { AppError, assertId, badInput } from "../errors.js";
import type { GapService } from "./gaps.js";
import { sameQuestion } from "./same-question.js";

export interface CorrectionInput {
  question?: string | null;
  phrasings?: string[] | null;
  answer?: string | null;
  isActive?: boolean | null;
}

/** What a visitor's question matched, and how closely. */
export interface CorrectionMatch {
  correction: Correction;
  /** The question or phrasing it matched. */
  matched: string;
  similarity: number;
}

/** Phrasings a correction may have, besides its question. */
export const MAX_PHRASINGS = 20;
/** Corrections one CSV import may bring. */
const MAX_IMPORT = 1000;
/** Candidates the embedder's nearest neighbours give to sameQuestion. */
const CANDIDATES = 5;

const clean = (text: string) => text.replace(/\s+/g, " ").trim();

/** The question and its phrasings, cleaned, without repeats (the question first). */
function questionsOf(question: string, phrasings: readonly string[]): string[] {
  const seen = new Set<string>();
  return [question, ...phrasings].map(clean).filter((text) => text && !seen.has(text.toLowerCase()) && seen.add(text.toLowerCase()));
}

/**
 * An owner's corrections to a bot's answers: a question (with other
 * phrasings) and the answer it must get. A visitor's question is matched
 * against every correction's questions by the bot's embedder, then checked
 * by sameQuestion so that a near but different question keeps its own answer.
 */
export function createCorrectionService({
  prisma,
  bots,
  embedder,
  gaps,
}: {
  prisma: PrismaClient;
  bots: BotService;
  embedder: Embedder;
  /** The gaps inbox: a topic a correction answers is closed. */
  gaps: Pick<GapService, "closeAnswered">;
}) {
  async function load(actor: Actor, id: string, role = EDITOR): Promise<Correction> {
    const correction = await prisma.correction.findUnique({ where: { id: assertId(id, "correction") }, include: { bot: { select: { workspaceId: true } } } });
    return authorizeBotChild(actor, correction, "Correction", role);
  }

  /** Replaces a correction's embedded questions, in the transaction that changes it; resolves to them with their vectors. */
  async function embedQuestions(tx: Prisma.TransactionClient, correction: Pick<Correction, "id" | "botId">, texts: string[]) {
    const vectors = await embedder.embed(texts);
    await tx.correctionQuestion.deleteMany({ where: { correctionId: correction.id } });
    for (const [i, text] of texts.entries()) {
      await tx.$executeRaw`
        INSERT INTO correction_questions (correction_id, bot_id, text, embedding, embedding_model)
        VALUES (${correction.id}::uuid, ${correction.botId}::uuid, ${text}, ${toVectorLiteral(vectors[i]!)}::vector, ${embedder.model})`;
    }
    return texts.map((text, i) => ({ text, vector: vectors[i]! }));
  }

  /** The gaps inbox's topics that an active correction now answers are closed. */
  async function closeGaps(correction: Correction, questions: { text: string; vector: number[] }[]) {
    if (!correction.isActive) return;
    const bot = await prisma.bot.findUniqueOrThrow({ where: { id: correction.botId }, select: { correctionThreshold: true } });
    await gaps.closeAnswered(correction.botId, questions, bot.correctionThreshold ?? embedder.correctionSimilarity);
  }

  function validated(input: { question: string; phrasings: readonly string[]; answer: string }) {
    const question = clean(input.question);
    const answer = input.answer.trim();
    if (!question) throw badInput("A correction needs the question it answers.", "question");
    if (!answer) throw badInput("A correction needs its answer.", "answer");
    if (input.phrasings.length > MAX_PHRASINGS) throw badInput(`A correction may have at most ${MAX_PHRASINGS} other phrasings.`, "phrasings");
    return { question, answer, phrasings: questionsOf(question, input.phrasings).slice(1) };
  }

  async function create(botId: string, actor: Actor, input: { question: string; phrasings: readonly string[]; answer: string; isActive: boolean }) {
    const fields = validated(input);
    const { correction, questions } = await prisma.$transaction(async (tx) => {
      const correction = await tx.correction.create({ data: { botId, ...fields, isActive: input.isActive, createdById: actor.userId } });
      // Every correction is a check: its question must go on getting its answer.
      await tx.check.create({ data: { botId, kind: "CORRECTION", question: fields.question, correctionId: correction.id } });
      return { correction, questions: await embedQuestions(tx, correction, [fields.question, ...fields.phrasings]) };
    });
    await closeGaps(correction, questions);
    return correction;
  }

  return {
    load,

    async create(
      actor: Actor,
      botId: string,
      input: { question: string; phrasings?: string[] | null; answer: string; isActive?: boolean | null },
    ): Promise<Correction> {
      const bot = await bots.load(actor, botId, EDITOR);
      return create(bot.id, actor, { ...input, phrasings: input.phrasings ?? [], isActive: input.isActive ?? true });
    },

    async update(actor: Actor, id: string, input: CorrectionInput): Promise<Correction> {
      const current = await load(actor, id);
      const fields = validated({
        question: input.question ?? current.question,
        phrasings: input.phrasings ?? current.phrasings,
        answer: input.answer ?? current.answer,
      });
      const { correction, questions } = await prisma.$transaction(async (tx) => {
        const correction = await tx.correction.update({
          where: { id: current.id },
          data: { ...fields, ...(input.isActive != null && { isActive: input.isActive }) },
        });
        const asked = [fields.question, ...fields.phrasings];
        const changed = asked.join("\n") !== [current.question, ...current.phrasings].join("\n");
        await tx.check.updateMany({ where: { correctionId: correction.id }, data: { question: fields.question } });
        return { correction, questions: changed ? await embedQuestions(tx, correction, asked) : [] };
      });
      await closeGaps(correction, questions);
      return correction;
    },

    async delete(actor: Actor, id: string): Promise<Correction> {
      const correction = await load(actor, id);
      await prisma.correction.delete({ where: { id: correction.id } });
      return correction;
    },

    /**
     * The active correction a visitor's question asks for, if any: the
     * nearest questions by the bot's embedder, the first that sameQuestion
     * accepts at the bot's threshold. Counts the hit.
     */
    async match(
      bot: { id: string; correctionThreshold: number | null },
      question: string,
      vector: number[],
      { countHit = true }: { countHit?: boolean } = {},
    ): Promise<CorrectionMatch | null> {
      const rows = await prisma.$queryRaw<{ correction_id: string; text: string; similarity: number }[]>`
        SELECT q.correction_id, q.text, (1 - (q.embedding <=> ${toVectorLiteral(vector)}::vector))::float8 AS similarity
        FROM correction_questions q JOIN corrections c ON c.id = q.correction_id
        WHERE q.bot_id = ${bot.id}::uuid AND c.is_active AND q.embedding_model = ${embedder.model}
        ORDER BY q.embedding <=> ${toVectorLiteral(vector)}::vector
        LIMIT ${CANDIDATES}`;
      const threshold = bot.correctionThreshold ?? embedder.correctionSimilarity;
      const hit = rows.find((row) => sameQuestion(question, row.text, row.similarity, threshold));
      if (!hit) return null;
      // A check's replay is not a visitor: it counts no hit.
      const correction = countHit
        ? await prisma.correction.update({ where: { id: hit.correction_id }, data: { hitCount: { increment: 1 }, lastHitAt: new Date() } })
        : await prisma.correction.findUniqueOrThrow({ where: { id: hit.correction_id } });
      return { correction, matched: hit.text, similarity: hit.similarity };
    },

    /** A bot's corrections as CSV: question, answer, phrasings (one per line in their cell), active. */
    async exportCsv(actor: Actor, botId: string): Promise<string> {
      const bot = await bots.load(actor, botId, "MEMBER");
      const rows = await prisma.correction.findMany({ where: { botId: bot.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return stringify(
        rows.map((c) => [c.question, c.answer, c.phrasings.join("\n"), c.isActive ? "yes" : "no"]),
        { header: true, columns: ["question", "answer", "phrasings", "active"] },
      );
    },

    /**
     * Adds the corrections of a CSV (the export's columns; `phrasings` and
     * `active` may be left out). Rows are checked first: one bad row adds
     * nothing, and the error names its line.
     */
    async importCsv(actor: Actor, botId: string, csv: string): Promise<Correction[]> {
      const bot = await bots.load(actor, botId, EDITOR);
      let records: Record<string, string>[];
      try {
        records = parse(csv, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
      } catch (error) {
        throw badInput(`This is not a CSV file Parley can read: ${(error as Error).message}`, "csv");
      }
      if (records.length > MAX_IMPORT) throw badInput(`One import may bring at most ${MAX_IMPORT} corrections; this file has ${records.length}.`, "csv");
      const rows = records.map((record, i) => {
        const line = i + 2;
        const active = (record.active ?? "yes").toLowerCase();
        if (!["yes", "no", "true", "false", "1", "0", ""].includes(active)) throw badInput(`Line ${line}: "active" must be yes or no.`, "csv");
        try {
          const fields = validated({ question: record.question ?? "", answer: record.answer ?? "", phrasings: (record.phrasings ?? "").split(/\r?\n|\|/) });
          return { ...fields, isActive: !["no", "false", "0"].includes(active) };
        } catch (error) {
          if (error instanceof AppError) throw badInput(`Line ${line}: ${error.message}`, "csv");
          throw error;
        }
      });
      const created: Correction[] = [];
      for (const row of rows) created.push(await create(bot.id, actor, row));
      return created;
    },

    /** Corrections embedded by another model than the one configured: embedded again (at start-up, when the embedder changed). */
    async reembedStale(): Promise<number> {
      const stale = await prisma.correction.findMany({ where: { questions: { some: { embeddingModel: { not: embedder.model } } } } });
      for (const correction of stale) {
        await prisma.$transaction((tx) => embedQuestions(tx, correction, [correction.question, ...correction.phrasings]));
      }
      return stale.length;
    },
  };
}

export type CorrectionService = ReturnType<typeof createCorrectionService>;
