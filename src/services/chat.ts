import { randomBytes } from "node:crypto";
import type { Bot, ChatSession, Message, Prisma, PrismaClient } from "@prisma/client";
import type { Config } from "../config.js";
import type { DatabasePriority } from "../db/priority.js";
import type { Logger } from "../logger.js";
import { ChatModelError, NOTHING_FOUND, type ChatChunk, type ChatMessage, type ChatModel } from "../providers/chat.js";
import { assess, subjectTerms } from "./answerability.js";
import { EmbeddingError } from "../providers/embeddings.js";
import { AppError, assertId, badInput, notFound } from "./errors.js";
import { assemblePrompt, estimateTokens } from "./prompting.js";
import { citeSources, type CitedSource, type Retrieval } from "./retrieval.js";

export type ChatEvent =
  | { type: "started"; sessionId: string; messageId: string }
  | { type: "token"; text: string }
  | { type: "completed"; sessionId: string; message: Message; sources: CitedSource[] }
  | { type: "failed"; sessionId: string; code: "MODEL_UNAVAILABLE" | "INTERNAL_SERVER_ERROR"; message: string };

export interface ChatInput {
  bot: Bot;
  message: string;
  /** The public id of a conversation to continue. */
  sessionId?: string | null;
  apiKeyId?: string | null;
}

/** The answer when the gate finds no grounds, word by word like any other. */
async function* notInSources(): AsyncGenerator<ChatChunk | { type: "done"; model: null; promptTokens: number; completionTokens: number }> {
  const words = NOTHING_FOUND.split(/(?<=\s)/);
  for (const text of words) yield { type: "token", text };
  yield { type: "done", model: null, promptTokens: 0, completionTokens: words.length };
}

/** Longest question accepted, in characters. */
export const MAX_QUESTION_LENGTH = 4000;

function newSessionId(): string {
  return `ses_${randomBytes(24).toString("base64url")}`;
}

/**
 * Answers a question about a bot's sources, as a stream of events: the
 * session, the tokens as the model makes them, then the stored answer with
 * its sources, or a failure with a code. The question is stored before the
 * model is asked, so a failure loses nothing the visitor wrote.
 */
export interface PreparedChat {
  session: ChatSession;
  userMessage: Message;
  question: string;
  /** The question's embedding, requested before the session and question were stored. */
  embedding: { vector: Promise<number[]>; abort(): void };
}

export function createChatService({
  prisma,
  config,
  logger,
  retrieval,
  model,
  priority,
}: {
  prisma: PrismaClient;
  config: Config;
  logger: Logger;
  retrieval: Retrieval;
  model: ChatModel;
  /** Chat's statements go ahead of ingestion's batches. */
  priority?: DatabasePriority;
}) {
  const interactive = <T>(fn: () => Promise<T>) => (priority ? priority.interactive(fn) : fn());
  async function openSession(bot: Bot, sessionId: string | null | undefined, apiKeyId: string | null | undefined): Promise<ChatSession> {
    if (sessionId) {
      const session = await prisma.chatSession.findUnique({ where: { publicId: sessionId } });
      // Another bot's session is exactly as unknown as a made-up one.
      if (!session || session.botId !== bot.id) throw notFound("Session");
      return session;
    }
    return prisma.chatSession.create({ data: { botId: bot.id, publicId: newSessionId(), apiKeyId: apiKeyId ?? null } });
  }

  async function history(sessionId: string, before: Date): Promise<ChatMessage[]> {
    const rows = await prisma.message.findMany({
      where: { sessionId, createdAt: { lt: before }, errorCode: null },
      orderBy: { createdAt: "desc" },
      take: 40,
      select: { role: true, content: true },
    });
    return rows.reverse().map((m) => ({ role: m.role === "USER" ? "user" : "assistant", content: m.content }));
  }

  return {
    /** Validates and opens the conversation; errors here are refusals (NOT_FOUND, BAD_USER_INPUT), thrown before any event. */
    async prepare(input: ChatInput): Promise<PreparedChat> {
      const question = input.message.trim();
      if (!question) throw badInput("The message is empty.", "message");
      if (question.length > MAX_QUESTION_LENGTH) throw badInput(`The message is longer than ${MAX_QUESTION_LENGTH} characters.`, "message");
      // Embedding the question needs nothing stored: with a model server it is
      // a round trip, made while the database works rather than after it.
      const controller = new AbortController();
      const embedding = { vector: retrieval.embed(question, controller.signal), abort: () => controller.abort() };
      embedding.vector.catch(() => {}); // awaited by stream(); a refusal below must not leave it unhandled
      try {
        return await interactive(async () => {
          const session = await openSession(input.bot, input.sessionId, input.apiKeyId);
          const userMessage = await prisma.message.create({ data: { sessionId: session.id, role: "USER", content: question } });
          return { session, userMessage, question, embedding };
        });
      } catch (error) {
        embedding.abort();
        throw error;
      }
    },

    async *stream(input: ChatInput, prepared: PreparedChat, signal: AbortSignal): AsyncGenerator<ChatEvent> {
      const { session, userMessage, question, embedding } = prepared;
      const { bot } = input;
      const started = performance.now();
      yield { type: "started", sessionId: session.publicId, messageId: userMessage.id };
      let content = "";
      let sources: CitedSource[];
      /** Stores what the model had said of an answer that did not complete. */
      const keepUnfinished = (errorCode: string) =>
        prisma.message
          .create({
            data: {
              sessionId: session.id,
              role: "ASSISTANT",
              content,
              model: model.defaultModel,
              errorCode,
              latencyMs: Math.round(performance.now() - started),
            },
          })
          .catch(() => {});
      try {
        // A visitor who leaves stops the embedding request too.
        signal.addEventListener("abort", embedding.abort, { once: true });
        if (signal.aborted) embedding.abort();
        const [context, prompts, turns] = await interactive(() =>
          Promise.all([
            embedding.vector.then((vector) => retrieval.search(bot.id, vector, question, { topK: bot.topK, minSimilarity: bot.minSimilarity })),
            prisma.prompt.findMany({ where: { botId: bot.id, isActive: true }, orderBy: { order: "asc" } }),
            // A conversation opened by this question has no earlier turns to look up.
            input.sessionId ? history(session.id, userMessage.createdAt) : [],
          ]),
        ).finally(() => signal.removeEventListener("abort", embedding.abort));
        // The answerability gate: passages that do not cover what the question asks about are not sources.
        // A follow-up ("Does it start at delivery?") is read with the question before it.
        const previous = turns.findLast((turn) => turn.role === "user")?.content;
        const withPrevious = previous ? `${previous} ${question}` : question;
        const stats = await interactive(() => retrieval.termStatistics(bot.id, subjectTerms(withPrevious)));
        const alone = assess(question, context, stats);
        const { grounded, coverage } = alone.grounded || !previous ? alone : assess(withPrevious, context, stats);
        logger.debug("answerability", { botId: bot.id, coverage, grounded, passages: context.length });
        sources = grounded ? citeSources(context) : [];
        const messages = assemblePrompt({
          botName: bot.name,
          prompts,
          question,
          context: grounded ? context : [],
          history: turns,
          historyBudget: config.CHAT_HISTORY_TOKENS,
        });
        let done: { model: string | null; promptTokens: number | null; completionTokens: number | null } | undefined;
        // A model that stalls (before its first token or between two) is given up on.
        const watchdog = new AbortController();
        let timer = setTimeout(() => watchdog.abort(), config.CHAT_TIMEOUT_MS);
        try {
          // Without grounds no model is asked: the answer is that the sources do not say.
          const answering = grounded
            ? model.stream({ model: bot.chatModel, temperature: bot.temperature, messages, question, context }, AbortSignal.any([signal, watchdog.signal]))
            : notInSources();
          for await (const chunk of answering) {
            clearTimeout(timer);
            timer = setTimeout(() => watchdog.abort(), config.CHAT_TIMEOUT_MS);
            if (chunk.type === "token") {
              content += chunk.text;
              yield { type: "token", text: chunk.text };
            } else done = chunk;
          }
        } catch (error) {
          if (watchdog.signal.aborted && !signal.aborted) {
            throw new ChatModelError(`The model did not answer within ${Math.round(config.CHAT_TIMEOUT_MS / 100) / 10} s.`);
          }
          throw error;
        } finally {
          clearTimeout(timer);
        }
        const message = await prisma.message.create({
          data: {
            sessionId: session.id,
            role: "ASSISTANT",
            content,
            sources: sources as unknown as Prisma.InputJsonArray,
            model: done ? done.model : model.defaultModel,
            promptTokens: done?.promptTokens ?? estimateTokens(messages.map((m) => m.content).join("\n")),
            completionTokens: done?.completionTokens ?? estimateTokens(content),
            latencyMs: Math.round(performance.now() - started),
          },
        });
        await prisma.chatSession.update({ where: { id: session.id }, data: { lastActivityAt: new Date() } });
        yield { type: "completed", sessionId: session.publicId, message, sources };
      } catch (error) {
        if (signal.aborted) {
          // The visitor left: keep what was said, marked as cut short.
          await keepUnfinished("CANCELLED");
          return;
        }
        const known = error instanceof ChatModelError || error instanceof EmbeddingError;
        const code = known ? "MODEL_UNAVAILABLE" : "INTERNAL_SERVER_ERROR";
        const message = known ? (error as Error).message : "Something went wrong while answering; please try again.";
        logger.warn("chat failed", { botId: bot.id, code, error: known ? message : error });
        await keepUnfinished(code);
        yield { type: "failed", sessionId: session.publicId, code, message };
      }
    },

    /** Records a rating, when `mayRate` allows it for the message's bot (the caller's tenancy or key). */
    async rate(messageId: string, rating: "UP" | "DOWN", mayRate: (bot: { id: string; workspaceId: string }) => boolean): Promise<Message> {
      const message = await prisma.message.findUnique({
        where: { id: assertId(messageId, "message") },
        include: { session: { select: { bot: { select: { id: true, workspaceId: true } } } } },
      });
      if (!message || !mayRate(message.session.bot)) throw notFound("Message");
      if (message.role !== "ASSISTANT") throw new AppError("BAD_USER_INPUT", "Only answers can be rated.", { field: "messageId" });
      return prisma.message.update({ where: { id: message.id }, data: { feedback: rating, feedbackAt: new Date() } });
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
