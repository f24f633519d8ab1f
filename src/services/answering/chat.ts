import { randomBytes } from "node:crypto";
import type { Bot, ChatSession, HandoffState, Message, Prisma, PrismaClient } from "@prisma/client";
import type { Config } from "../../config.js";
import type { DatabasePriority } from "../../db/priority.js";
import type { Logger } from "../../logger.js";
import { ChatModelError, NOTHING_FOUND, type ChatChunk, type ChatMessage, type ChatModel } from "../../providers/chat.js";
import { assess, subjectTerms } from "./answerability.js";
import { EmbeddingError } from "../../providers/embeddings.js";
import { AppError, assertId, badInput, notFound } from "../errors.js";
import { assemblePrompt, estimateTokens } from "./prompting.js";
import { citeSources, type CitedSource, type Retrieval, type RetrievedChunk } from "./retrieval.js";
import type { CorrectionService } from "./corrections.js";
import type { BotEvent } from "../bot-events.js";
import type { GapService } from "./gaps.js";
import type { HandoffService, Unavailable } from "../handoff/handoff.js";
import { asksForPerson } from "../handoff/asks-for-person.js";

export type ChatEvent =
  | { type: "started"; sessionId: string; messageId: string }
  | { type: "token"; text: string }
  | { type: "completed"; sessionId: string; message: Message; sources: CitedSource[]; offerPerson: boolean }
  /** A person holds the conversation, or is asked for in it: the question went to them, and the bot says nothing. */
  | { type: "held"; sessionId: string; message: Message; state: HandoffState }
  /** The visitor asked for a person: the queue's answer (state BOT when nobody can come now). */
  | { type: "handoff"; sessionId: string; message: Message; state: HandoffState; position: number | null; unavailable: Unavailable | null }
  | { type: "failed"; sessionId: string; code: "MODEL_UNAVAILABLE" | "INTERNAL_SERVER_ERROR"; message: string };

/** An answer, complete, before it is stored. */
export interface Answer {
  content: string;
  sources: CitedSource[];
  /** The owner's correction it recites, if it does. */
  correctionId: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  /** The passages retrieval found, used or not: what the gaps inbox shows of a missed question. */
  found: CitedSource[];
}

export interface ChatInput {
  bot: Bot;
  message: string;
  /** The public id of a conversation to continue. */
  sessionId?: string | null;
  apiKeyId?: string | null;
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

/**
 * Visitors' work marked as such, and a replay's steps starting only once no
 * visitor's work is in flight (or after a little while: see
 * createDatabasePriority).
 */
function turns(priority: DatabasePriority | undefined) {
  return {
    interactive: <T>(fn: () => Promise<T>) => (priority ? priority.interactive(fn) : fn()),
    async afterVisitors<T>(fn: () => Promise<T>): Promise<T> {
      await priority?.background();
      return fn();
    },
  };
}

export function createChatService({
  prisma,
  config,
  logger,
  retrieval,
  model,
  priority,
  corrections,
  gaps,
  handoff,
  publish = () => {},
}: {
  prisma: PrismaClient;
  config: Pick<Config, "CHAT_HISTORY_TOKENS" | "CHAT_TIMEOUT_MS">;
  logger: Logger;
  retrieval: Retrieval;
  model: ChatModel;
  /** Owners' corrections, which answer before the sources are asked. */
  corrections: Pick<CorrectionService, "match">;
  /** Where missed questions go: unanswered ones, and answers rated down. */
  gaps: Pick<GapService, "record">;
  /** Chat's statements go ahead of ingestion's batches. */
  priority?: DatabasePriority;
  /** Where a question goes when a person holds the conversation, and where asking for one leads. */
  handoff?: Pick<HandoffService, "request" | "visitorSaid">;
  /**
   * Where other systems hear of unanswered questions and answers rated down (webhooks): visitors' only. A member's
   * own conversation (the console's playground; no key) is the business trying its bot, not a visitor its CRM should
   * hear of; the gaps inbox still keeps its misses.
   */
  publish?: (event: BotEvent) => void;
}) {
  const { interactive, afterVisitors } = turns(priority);
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

  /**
   * The answer to a question, token by token, and what it is when it ends:
   * an owner's correction, the model's (or the embedded answerer's) from the
   * bot's sources, or "not in the sources" when they do not cover it. Stores
   * nothing, so checks can replay questions through it as visitors ask them.
   */
  async function* answer(
    bot: Bot,
    question: string,
    vector: Promise<number[]>,
    turns: Promise<ChatMessage[]>,
    signal: AbortSignal,
    { replay = false }: { replay?: boolean } = {},
  ): AsyncGenerator<string, Answer> {
    // A replay (a check) counts no correction's hit, and lets visitors' statements go first (on PGlite's one
    // connection, a statement queued ahead of a visitor's is time the visitor waits).
    const priority = <T>(fn: () => Promise<T>) => (replay ? afterVisitors(fn) : interactive(fn));
    const [correction, context, prompts, earlier] = await priority(() =>
      Promise.all([
        // Looked up beside the sources rather than before them: a question no correction answers loses no time.
        vector.then((v) => corrections.match(bot, question, v, { countHit: !replay })),
        vector.then((v) => retrieval.search(bot.id, v, question, { topK: bot.topK, minSimilarity: bot.minSimilarity })),
        prisma.prompt.findMany({ where: { botId: bot.id, isActive: true }, orderBy: { order: "asc" } }),
        turns,
      ]),
    );
    if (correction) {
      logger.debug("answered by a correction", { botId: bot.id, correctionId: correction.correction.id, similarity: correction.similarity });
      return yield* recite(correction.correction.answer, correction.correction.id, []);
    }
    const grounded = await isGrounded(bot.id, question, context, earlier, priority);
    // Without grounds no model is asked: the answer is that the sources do not say.
    if (!grounded) return yield* recite(NOTHING_FOUND, null, citeSources(context));
    const messages = assemblePrompt({ botName: bot.name, prompts, question, context, history: earlier, historyBudget: config.CHAT_HISTORY_TOKENS });
    const said = yield* generate(
      (stop) => model.stream({ model: bot.chatModel, temperature: bot.temperature, messages, question, context }, AbortSignal.any([signal, stop])),
      signal,
      { timeoutMs: config.CHAT_TIMEOUT_MS, defaultModel: model.defaultModel },
    );
    const sources = citeSources(context);
    return {
      ...said,
      sources,
      found: sources,
      correctionId: null,
      promptTokens: said.promptTokens ?? estimateTokens(messages.map((m) => m.content).join("\n")),
    };
  }

  /**
   * The answerability gate: passages that do not cover what the question
   * asks about are not sources. A follow-up ("Does it start at delivery?")
   * is read with the question before it.
   */
  async function isGrounded(
    botId: string,
    question: string,
    context: RetrievedChunk[],
    earlier: ChatMessage[],
    priority: <T>(fn: () => Promise<T>) => Promise<T>,
  ): Promise<boolean> {
    const previous = earlier.findLast((turn) => turn.role === "user")?.content;
    const withPrevious = previous ? `${previous} ${question}` : question;
    const stats = await priority(() => retrieval.termStatistics(botId, subjectTerms(withPrevious)));
    const alone = assess(question, context, stats);
    const { grounded, coverage } = alone.grounded || !previous ? alone : assess(withPrevious, context, stats);
    logger.debug("answerability", { botId, coverage, grounded, passages: context.length });
    return grounded;
  }

  /**
   * A question that is for a person rather than the bot: one asked while a
   * person holds the conversation (or is asked for), and a request for one.
   * Yields what became of it; returns whether it was such a question.
   */
  async function* toPerson(bot: Bot, { session, userMessage, question, embedding }: PreparedChat): AsyncGenerator<ChatEvent, boolean> {
    if (!handoff) return false;
    if (session.handoffState !== "BOT") {
      embedding.abort();
      handoff.visitorSaid(session, userMessage);
      yield { type: "held", sessionId: session.publicId, message: userMessage, state: session.handoffState };
      return true;
    }
    if (bot.handoff === "NEVER" || !asksForPerson(question)) return false;
    embedding.abort();
    const request = await interactive(() => handoff.request(bot, session));
    if (request.state !== "BOT") handoff.visitorSaid(request.session, userMessage);
    const { state, position, unavailable } = request;
    yield { type: "handoff", sessionId: session.publicId, message: userMessage, state, position, unavailable };
    return true;
  }

  return {
    /** The conversation `sessionId` (a public id) of the bot, or a new one when none is given; NOT_FOUND for another bot's. */
    session: (bot: Bot, sessionId: string | null | undefined, apiKeyId: string | null | undefined) => interactive(() => openSession(bot, sessionId, apiKeyId)),

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

    /** The stream of events of a prepared question: started, tokens, then the stored answer or a failure. */
    async *stream(input: ChatInput, prepared: PreparedChat, signal: AbortSignal): AsyncGenerator<ChatEvent> {
      const { session, userMessage, question, embedding } = prepared;
      const { bot } = input;
      const started = performance.now();
      yield { type: "started", sessionId: session.publicId, messageId: userMessage.id };
      const person = yield* toPerson(bot, prepared);
      if (person) return;
      let content = "";
      const latencyMs = () => Math.round(performance.now() - started);
      try {
        // A visitor who leaves stops the embedding request too.
        signal.addEventListener("abort", embedding.abort, { once: true });
        if (signal.aborted) embedding.abort();
        // A conversation opened by this question has no earlier turns to look up.
        const turns = input.sessionId ? history(session.id, userMessage.createdAt) : Promise.resolve([]);
        const vector = embedding.vector.finally(() => signal.removeEventListener("abort", embedding.abort));
        const answering = answer(bot, question, vector, turns, signal);
        let next = await answering.next();
        for (; !next.done; next = await answering.next()) {
          content += next.value;
          yield { type: "token", text: next.value };
        }
        const { sources, found, ...stored } = next.value;
        const message = await prisma.message.create({
          data: { sessionId: session.id, role: "ASSISTANT", ...stored, sources: sources as unknown as Prisma.InputJsonArray, latencyMs: latencyMs() },
        });
        // The session's lastActivityAt follows its messages in the database (messages_touch_session).
        // Nothing in the sources covered it: the owner's inbox hears of it, beside the visitor's answer (not awaited).
        if (!sources.length && !stored.correctionId) {
          void vector.then((v) => gaps.record({ botId: bot.id, messageId: message.id, question, reason: "UNANSWERED", passages: found, vector: v }));
          // A visitor's (see `publish`).
          if (session.apiKeyId)
            publish({ type: "conversation.unanswered", botId: bot.id, sessionId: session.id, messageId: message.id, question, at: message.createdAt });
        }
        const offerPerson = bot.handoff === "ALWAYS" || (bot.handoff === "WHEN_UNANSWERED" && !sources.length && !stored.correctionId);
        yield { type: "completed", sessionId: session.publicId, message, sources, offerPerson };
      } catch (error) {
        /** What had been said of an answer that did not complete, kept with why. */
        const keep = (errorCode: string) =>
          prisma.message
            .create({ data: { sessionId: session.id, role: "ASSISTANT", content, model: model.defaultModel, errorCode, latencyMs: latencyMs() } })
            .catch(() => {});
        // The visitor left: keep what was said, marked as cut short.
        if (signal.aborted) return void (await keep("CANCELLED"));
        const known = error instanceof ChatModelError || error instanceof EmbeddingError;
        const code = known ? "MODEL_UNAVAILABLE" : "INTERNAL_SERVER_ERROR";
        const message = known ? (error as Error).message : "Something went wrong while answering; please try again.";
        logger.warn("chat failed", { botId: bot.id, code, error: known ? message : error });
        await keep(code);
        yield { type: "failed", sessionId: session.publicId, code, message };
      }
    },

    answer,

    /** Records a rating, when `mayRate` allows it for the message's bot (the caller's tenancy or key). */
    async rate(messageId: string, rating: "UP" | "DOWN", mayRate: (bot: { id: string; workspaceId: string }) => boolean): Promise<Message> {
      const message = await prisma.message.findUnique({
        where: { id: assertId(messageId, "message") },
        include: { session: { select: { apiKeyId: true, bot: { select: { id: true, workspaceId: true } } } } },
      });
      if (!message || !mayRate(message.session.bot)) throw notFound("Message");
      if (message.role !== "ASSISTANT") throw new AppError("BAD_USER_INPUT", "Only answers can be rated.", { field: "messageId" });
      const rated = await prisma.message.update({ where: { id: message.id }, data: { feedback: rating, feedbackAt: new Date() } });
      if (rating === "DOWN") {
        // Rated down for the first time, in a visitor's conversation (see `publish`).
        if (message.feedback !== "DOWN" && message.session.apiKeyId)
          publish({ type: "answer.rated_down", botId: message.session.bot.id, sessionId: message.sessionId, messageId: message.id, at: new Date() });
        const asked = await prisma.message.findFirst({
          where: { sessionId: message.sessionId, role: "USER", createdAt: { lte: message.createdAt } },
          orderBy: { createdAt: "desc" },
        });
        if (asked) {
          const passages = (message.sources ?? []) as unknown as CitedSource[];
          void gaps.record({ botId: message.session.bot.id, messageId: message.id, question: asked.content, reason: "RATED_DOWN", passages });
        }
      }
      return rated;
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;

/** A fixed answer (a correction, or "not in the sources"), word by word like any other. */
async function* recite(text: string, correctionId: string | null, found: CitedSource[]): AsyncGenerator<string, Answer> {
  const words = text.split(/(?<=\s)/);
  for (const word of words) yield word;
  return { content: text, sources: [], found, correctionId, model: null, promptTokens: 0, completionTokens: words.length };
}

/** The model's tokens, given up on when it stalls (before its first token or between two) for CHAT_TIMEOUT_MS. */
async function* generate(
  start: (stop: AbortSignal) => AsyncIterable<ChatChunk>,
  signal: AbortSignal,
  { timeoutMs, defaultModel }: { timeoutMs: number; defaultModel: string },
): AsyncGenerator<string, { content: string; model: string | null; promptTokens: number | null; completionTokens: number }> {
  const watchdog = new AbortController();
  let timer = setTimeout(() => watchdog.abort(), timeoutMs);
  let content = "";
  let done: Extract<ChatChunk, { type: "done" }> | undefined;
  try {
    for await (const chunk of start(watchdog.signal)) {
      clearTimeout(timer);
      timer = setTimeout(() => watchdog.abort(), timeoutMs);
      if (chunk.type === "token") {
        content += chunk.text;
        yield chunk.text;
      } else done = chunk;
    }
  } catch (error) {
    if (watchdog.signal.aborted && !signal.aborted) throw new ChatModelError(`The model did not answer within ${Math.round(timeoutMs / 100) / 10} s.`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    content,
    model: done ? done.model : defaultModel,
    promptTokens: done?.promptTokens ?? null,
    completionTokens: done?.completionTokens ?? estimateTokens(content),
  };
}
