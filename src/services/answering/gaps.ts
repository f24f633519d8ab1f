import type { GapReason, GapTopic, Prisma, PrismaClient } from "@prisma/client";
import { toVectorLiteral } from "../../db/vector.js";
import type { Logger } from "../../logger.js";
import { createInFlight } from "../in-flight.js";
import type { Embedder } from "../../providers/embeddings.js";
import { authorizeBotChild, EDITOR, type Actor } from "../access/access.js";
import { assertId } from "../errors.js";
import type { CitedSource } from "./passages.js";
import { sameQuestion } from "./same-question.js";

/** A question the bot missed: unanswered (nothing in its sources covered it), or answered and rated down. */
export interface MissedQuestion {
  botId: string;
  /** The answer that missed. */
  messageId: string;
  question: string;
  reason: GapReason;
  /** The passages retrieval found for it, used or not. */
  passages: CitedSource[];
  /** The question's embedding, when the caller has it already. */
  vector?: number[];
}

const BACKGROUND_TRANSACTION = { maxWait: 30_000 };

/**
 * The gaps inbox: questions a bot missed, grouped by meaning into topics
 * as they arrive. A question joins the topic whose first question is
 * nearest by the bot's embedder (when at least `groupSimilarity` close), or
 * starts one; joining a topic the owner had put aside opens it again.
 */
export function createGapService({ prisma, embedder, logger }: { prisma: PrismaClient; embedder: Embedder; logger: Logger }) {
  // Looser than a correction's match: a topic gathers questions about one thing, not only rewordings of one question.
  const groupSimilarity = Math.min(0.95, embedder.correctionSimilarity + 0.1);

  async function nearestTopic(tx: Prisma.TransactionClient, botId: string, vector: string) {
    const [nearest] = await tx.$queryRaw<{ id: string; similarity: number }[]>`
      SELECT id, (1 - (embedding <=> ${vector}::vector))::float8 AS similarity FROM gap_topics
      WHERE bot_id = ${botId}::uuid AND embedding_model = ${embedder.model}
      ORDER BY embedding <=> ${vector}::vector LIMIT 1`;
    return nearest && nearest.similarity >= groupSimilarity ? nearest.id : null;
  }

  async function record(missed: MissedQuestion): Promise<void> {
    const vector = toVectorLiteral(missed.vector ?? (await embedder.embed([missed.question]))[0]!);
    // Nobody waits on this write, but a busy embedded database (one connection) can hold it back longer
    // than Prisma's default two seconds to start a transaction: it waits rather than lose the question.
    await prisma.$transaction(async (tx) => {
      if (await tx.gapQuestion.findUnique({ where: { messageId: missed.messageId }, select: { id: true } })) return;
      let topicId = await nearestTopic(tx, missed.botId, vector);
      if (topicId) {
        await tx.gapTopic.update({ where: { id: topicId }, data: { questionCount: { increment: 1 }, lastAskedAt: new Date(), dismissedAt: null } });
      } else {
        const [created] = await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO gap_topics (bot_id, question, question_count, embedding, embedding_model)
          VALUES (${missed.botId}::uuid, ${missed.question}, 1, ${vector}::vector, ${embedder.model}) RETURNING id::text`;
        topicId = created!.id;
      }
      await tx.gapQuestion.create({
        data: {
          topicId,
          messageId: missed.messageId,
          text: missed.question,
          reason: missed.reason,
          passages: missed.passages as unknown as Prisma.InputJsonArray,
        },
      });
    }, BACKGROUND_TRANSACTION);
  }

  const filing = createInFlight();

  return {
    /** Adds a missed question to its topic. Never throws: the inbox must not cost a visitor their answer. */
    async record(missed: MissedQuestion): Promise<void> {
      await filing.track(record(missed).catch((error: unknown) => logger.warn("could not add a question to the gaps inbox", { botId: missed.botId, error })));
    },

    /** Waits for the questions being filed (shutdown, tests): nobody awaits them, and the database must not close under them. */
    settled: () => filing.settled(),

    /**
     * Closes the open topics a new correction answers: those whose first
     * question asks what one of its questions asks (by the embedder and
     * sameQuestion, as a visitor's would be matched). Returns how many.
     */
    async closeAnswered(botId: string, questions: readonly { text: string; vector: number[] }[], threshold: number): Promise<number> {
      const answered = new Set<string>();
      for (const { text, vector } of questions) {
        const rows = await prisma.$queryRaw<{ id: string; question: string; similarity: number }[]>`
          SELECT id::text, question, (1 - (embedding <=> ${toVectorLiteral(vector)}::vector))::float8 AS similarity FROM gap_topics
          WHERE bot_id = ${botId}::uuid AND dismissed_at IS NULL AND embedding_model = ${embedder.model}
          ORDER BY embedding <=> ${toVectorLiteral(vector)}::vector LIMIT 5`;
        for (const row of rows) if (sameQuestion(row.question, text, row.similarity, threshold)) answered.add(row.id);
      }
      if (answered.size) await prisma.gapTopic.updateMany({ where: { id: { in: [...answered] } }, data: { dismissedAt: new Date() } });
      return answered.size;
    },

    /** Puts a topic aside (owner or admin): dealt with, or not worth it. A new question about it opens it again. */
    async dismiss(actor: Actor, topicId: string, dismissed = true): Promise<GapTopic> {
      const topic = await prisma.gapTopic.findUnique({ where: { id: assertId(topicId, "gap") }, include: { bot: { select: { workspaceId: true } } } });
      const allowed = authorizeBotChild(actor, topic, "Gap", EDITOR);
      return prisma.gapTopic.update({ where: { id: allowed.id }, data: { dismissedAt: dismissed ? new Date() : null } });
    },
  };
}

export type GapService = ReturnType<typeof createGapService>;
