import type { Message as MessageRow } from "@prisma/client";
import { publicFace, type PublicFace } from "../services/tenancy/bots.js";
import type { ChatEvent as ChatEventShape } from "../services/answering/chat.js";
import { AppError, assertId, notFound } from "../services/errors.js";
import type { CallOutcome } from "../services/tenancy/public-access.js";
import type { CitedSource as CitedSourceShape } from "../services/answering/passages.js";
import { actorOf, builder } from "./builder.js";
import { MEMBER_ASKS } from "./field-limits.js";
import { orRevoked, whileAllowed } from "./live.js";
import { shownName } from "../services/handoff/handoff.js";
import type { Context } from "../context.js";
import { HandoffMode, HandoffState, HandoffUnavailable, LeadField, SourceKind } from "./enums.js";

const Feedback = builder.enumType("Feedback", {
  description: "A visitor's verdict on an answer.",
  values: { UP: { description: "Helpful." }, DOWN: { description: "Not helpful." } } as const,
});

const MessageRole = builder.enumType("MessageRole", {
  description: "Who wrote a message.",
  values: {
    USER: { description: "The visitor." },
    ASSISTANT: { description: "The bot." },
    OPERATOR: { description: "A person of the business, holding the conversation (live hand-off)." },
  } as const,
});

export const CitedSource = builder.objectRef<CitedSourceShape>("CitedSource").implement({
  description: "A source an answer was drawn from (one entry per source, from its best passage).",
  fields: (t) => ({
    type: t.field({ type: SourceKind, description: "Document, link or text.", resolve: (s) => s.type }),
    id: t.exposeID("id", { description: "The source's id." }),
    name: t.exposeString("name", { description: "Its title or file name." }),
    url: t.exposeString("url", { nullable: true, description: "For web pages: the address." }),
    page: t.exposeInt("page", { nullable: true, description: "For PDFs: the page of the best passage." }),
    section: t.string({ nullable: true, description: "The heading the best passage sits under, when it has one.", resolve: (s) => s.section ?? null }),
    score: t.exposeFloat("score", { description: "Cosine similarity of the best passage to the question (-1 to 1)." }),
    snippet: t.exposeString("snippet", { description: "The start of the best passage." }),
  }),
});

export const Message = builder.prismaObject("Message", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (message) => ({ conversation: message.sessionId }),
  description: "One message of a conversation.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The message's id (for rateMessage)." }),
    role: t.expose("role", { type: MessageRole, description: "The visitor's question or the bot's answer." }),
    content: t.exposeString("content", { description: "The text (for a failed answer, what had arrived)." }),
    sources: t.field({
      type: [CitedSource],
      description: "What an answer was drawn from.",
      // One entry per source among at most topK (50) passages: the query cost counts that many, not 100.
      extensions: { listSize: 50 },
      resolve: (m) => (m.sources ?? []) as unknown as CitedSourceShape[],
    }),
    model: t.exposeString("model", { nullable: true, description: "The model that answered (parley-extractive for the embedded answerer)." }),
    promptTokens: t.exposeInt("promptTokens", { nullable: true, description: "Tokens sent to the model (estimated when the model does not say)." }),
    completionTokens: t.exposeInt("completionTokens", { nullable: true, description: "Tokens the model produced." }),
    latencyMs: t.exposeInt("latencyMs", { nullable: true, description: "Milliseconds from question to complete answer." }),
    errorCode: t.exposeString("errorCode", { nullable: true, description: "Why an answer failed: MODEL_UNAVAILABLE, CANCELLED, INTERNAL_SERVER_ERROR." }),
    authorName: t.string({
      nullable: true,
      description: "For an operator's message: the first name the visitor sees.",
      select: { author: { select: { name: true } } },
      resolve: (m) => (m.role === "OPERATOR" ? shownName(m.author?.name ?? null) : null),
    }),
    feedback: t.expose("feedback", { type: Feedback, nullable: true, description: "The visitor's rating." }),
    grounded: t.boolean({
      description:
        "For an answer: whether it was drawn from the bot's sources or an owner's correction. False when they did not cover the question (the bot said it does not know) or the answer failed.",
      resolve: (m) => m.role === "ASSISTANT" && !m.errorCode && (!!m.correctionId || (Array.isArray(m.sources) && m.sources.length > 0)),
    }),
    corrected: t.boolean({
      description: "For an answer: whether it was an owner's correction (see `correction`) rather than the bot's own.",
      resolve: (m) => m.correctionId !== null,
    }),
    correction: t.relation("correction", { nullable: true, description: "The owner's correction this answer recites, if it does (members only)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was written." }),
  }),
});

builder.prismaObjectFields("ChatSession", (t) => ({
  messages: t.relatedConnection("messages", {
    description: "The conversation, oldest first.",
    cursor: "id",
    totalCount: true,
    query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
  }),
}));

const ChatStarted = builder.objectRef<Extract<ChatEventShape, { type: "started" }>>("ChatStarted").implement({
  description: "The conversation is open: keep the session id to continue it.",
  fields: (t) => ({
    sessionId: t.exposeString("sessionId", { description: "Pass it with the next message to continue the conversation." }),
    messageId: t.exposeID("messageId", { description: "The stored question." }),
  }),
});

const ChatToken = builder.objectRef<Extract<ChatEventShape, { type: "token" }>>("ChatToken").implement({
  description: "The next piece of the answer.",
  fields: (t) => ({ text: t.exposeString("text", { description: "Text to append." }) }),
});

const ChatCompleted = builder.objectRef<Extract<ChatEventShape, { type: "completed" }>>("ChatCompleted").implement({
  description: "The answer is complete and stored.",
  fields: (t) => ({
    sessionId: t.exposeString("sessionId", { description: "The conversation." }),
    message: t.field({ type: Message, description: "The whole answer, with its sources, token counts and latency.", resolve: (e) => e.message }),
    sources: t.field({ type: [CitedSource], description: "The sources it used.", extensions: { listSize: 50 }, resolve: (e) => e.sources }),
    grounded: t.boolean({
      description:
        "Whether the answer was drawn from the bot's sources or an owner's correction; false when they did not cover the question and the bot said it does not know.",
      resolve: (e) => e.sources.length > 0 || e.message.correctionId !== null,
    }),
    offerPerson: t.boolean({
      description: "Whether to offer the visitor a person now (requestPerson): the bot's hand-off setting, and whether this answer came from its sources.",
      resolve: (e) => e.offerPerson,
    }),
  }),
});

const ChatHeld = builder.objectRef<Extract<ChatEventShape, { type: "held" }>>("ChatHeld").implement({
  description:
    "A person holds this conversation (or is asked for in it): the question went to them, and the bot does not answer. Their replies come on conversationEvents.",
  fields: (t) => ({
    sessionId: t.exposeString("sessionId", { description: "The conversation." }),
    message: t.field({ type: Message, description: "The visitor's stored question.", resolve: (e) => e.message }),
    state: t.field({ type: HandoffState, description: "WAITING or PERSON.", resolve: (e) => e.state }),
  }),
});

const ChatHandoff = builder.objectRef<Extract<ChatEventShape, { type: "handoff" }>>("ChatHandoff").implement({
  description:
    'The question asked for a person ("can I talk to a human?"): the conversation is in the queue (WAITING, with its place), or nobody can come now (BOT). Follow conversationEvents.',
  fields: (t) => ({
    sessionId: t.exposeString("sessionId", { description: "The conversation." }),
    message: t.field({ type: Message, description: "The visitor's stored question.", resolve: (e) => e.message }),
    state: t.field({ type: HandoffState, description: "WAITING, PERSON (already held), or BOT when no operator is online.", resolve: (e) => e.state }),
    position: t.int({ nullable: true, description: "Place in the queue, 1 first, while WAITING.", resolve: (e) => e.position }),
    unavailable: t.field({
      type: HandoffUnavailable,
      nullable: true,
      description: "Why nobody can come, when state is BOT: offer to leave a message (leaveMessage).",
      resolve: (e) => e.unavailable,
    }),
  }),
});

const ChatFailed = builder.objectRef<Extract<ChatEventShape, { type: "failed" }>>("ChatFailed").implement({
  description: "The answer could not be completed. The question is kept.",
  fields: (t) => ({
    sessionId: t.exposeString("sessionId", { description: "The conversation." }),
    code: t.exposeString("code", { description: "MODEL_UNAVAILABLE or INTERNAL_SERVER_ERROR." }),
    error: t.string({ description: "What went wrong, for people.", resolve: (e) => e.message }),
  }),
});

const ChatEvent = builder.unionType("ChatEvent", {
  description:
    "One event of a streamed answer: ChatStarted, then ChatToken events, then ChatCompleted or ChatFailed; or, when the question is for a person, ChatStarted then ChatHeld or ChatHandoff.",
  types: [ChatStarted, ChatToken, ChatCompleted, ChatFailed, ChatHeld, ChatHandoff],
  resolveType: (event) =>
    ({ started: ChatStarted, token: ChatToken, completed: ChatCompleted, failed: ChatFailed, held: ChatHeld, handoff: ChatHandoff })[event.type],
});

interface ChatReplyShape {
  sessionId: string;
  message: MessageRow;
  sources: CitedSourceShape[];
  handoffState: "BOT" | "WAITING" | "PERSON";
  position: number | null;
  offerPerson: boolean;
}

const ChatReply = builder.objectRef<ChatReplyShape>("ChatReply").implement({
  description: "A complete answer, for clients that do not stream.",
  fields: (t) => ({
    sessionId: t.exposeString("sessionId", { description: "Pass it with the next message to continue the conversation." }),
    message: t.field({
      type: Message,
      description: "The answer; or, when the question went to a person (handoffState WAITING or PERSON), the visitor's stored question.",
      resolve: (r) => r.message,
    }),
    handoffState: t.field({ type: HandoffState, description: "Who answers the conversation now.", resolve: (r) => r.handoffState }),
    queuePosition: t.int({ nullable: true, description: "Place in the queue for a person, 1 first, while WAITING.", resolve: (r) => r.position }),
    offerPerson: t.boolean({ description: "Whether to offer the visitor a person now (requestPerson).", resolve: (r) => r.offerPerson }),
    sources: t.field({ type: [CitedSource], description: "The sources it used.", extensions: { listSize: 50 }, resolve: (r) => r.sources }),
    grounded: t.boolean({
      description:
        "Whether the answer was drawn from the bot's sources or an owner's correction; false when they did not cover the question and the bot said it does not know.",
      resolve: (r) => r.sources.length > 0 || r.message.correctionId !== null,
    }),
  }),
});

/**
 * The bot a chat is about, if the caller may talk to it: a member of its
 * workspace (any status, to try it out), or a holder of its API key (active
 * bots only).
 */
export async function chatBot(ctx: Context, botId: string) {
  const id = assertId(botId, "bot");
  if (ctx.viewer.kind === "apiKey") return ctx.publicAccess.botFor(ctx.viewer, id);
  const actor = actorOf(ctx);
  const bot = await ctx.prisma.bot.findUnique({ where: { id } });
  if (!bot || !actor.roles.has(bot.workspaceId)) throw notFound("Bot");
  return bot;
}

/** The chat service's input for a question, once the caller may ask this bot. */
async function chatInput(ctx: Context, args: { botId: string; message: string; sessionId?: string | null }) {
  const bot = await chatBot(ctx, args.botId);
  return { bot, message: args.message, sessionId: args.sessionId, apiKeyId: ctx.viewer.kind === "apiKey" ? ctx.viewer.key.id : null };
}

/**
 * Opens the question's conversation, and tells the request's loaders what it
 * learned: the messages of the reply are checked against their conversation
 * and its bot's workspace (Message's scope), which would otherwise cost two
 * more statements on every question.
 */
async function prepareChat(ctx: Context, input: Awaited<ReturnType<typeof chatInput>>) {
  const prepared = await ctx.chat.prepare(input);
  ctx.loaders.sessionBot.prime(prepared.session.id, input.bot.id);
  ctx.loaders.botWorkspace.prime(input.bot.id, input.bot.workspaceId);
  return prepared;
}

/** The code of a refusal or failure, for usage records. */
function codeOf(error: unknown): string {
  if (error instanceof AppError) return error.code;
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** Records a public (API-key) call in the usage log; admins' calls are not recorded. */
function recordUsage(ctx: Context, operation: string, started: number, outcome: CallOutcome): void {
  if (ctx.viewer.kind === "apiKey") ctx.publicAccess.record(ctx.viewer, operation, started, outcome);
}

/** Runs a public operation and records it (API-key callers' only), with the code it failed with if it did. */
export async function publicCall<T>(ctx: Context, operation: string, run: () => Promise<T>, tokensOf: (result: T) => number | null = () => null): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    recordUsage(ctx, operation, started, { tokens: tokensOf(result) });
    return result;
  } catch (error) {
    recordUsage(ctx, operation, started, { errorCode: codeOf(error) });
    throw error;
  }
}

/** Passes a streamed answer through, recording it when it ends (its tokens, or how it failed) in the usage log and the metrics. */
async function* recordStream(ctx: Context, started: number, events: AsyncGenerator<ChatEventShape>): AsyncGenerator<ChatEventShape> {
  const outcome: CallOutcome = { errorCode: "CANCELLED" };
  let firstTokenMs: number | null = null;
  try {
    for await (const event of events) {
      if (event.type === "token") firstTokenMs ??= performance.now() - started;
      if (event.type === "completed") Object.assign(outcome, { tokens: event.message.completionTokens, errorCode: null });
      else if (event.type === "failed") outcome.errorCode = event.code;
      yield event;
    }
  } finally {
    recordUsage(ctx, "chat", started, outcome);
    const ended = outcome.errorCode === null ? "completed" : outcome.errorCode === "CANCELLED" ? "cancelled" : "failed";
    ctx.metrics.chat({ firstTokenMs, totalMs: performance.now() - started, outcome: ended });
  }
}

/** What a non-streaming client is told of the event that ends a question's stream; null for the others. */
function replyOf(event: ChatEventShape): ChatReplyShape | null {
  const base = { handoffState: "BOT" as const, position: null, offerPerson: false, sources: [] };
  if (event.type === "completed")
    return { ...base, sessionId: event.sessionId, message: event.message, sources: event.sources, offerPerson: event.offerPerson };
  if (event.type === "held") return { ...base, sessionId: event.sessionId, message: event.message, handoffState: event.state };
  if (event.type === "handoff") return { ...base, sessionId: event.sessionId, message: event.message, handoffState: event.state, position: event.position };
  return null;
}

/** Who may rate a message: members of its bot's workspace, or holders of its bot's key. */
function mayRate(ctx: Context) {
  return (bot: { id: string; workspaceId: string }) =>
    ctx.viewer.kind === "apiKey" ? ctx.viewer.bot.id === bot.id : ctx.viewer.kind === "user" && ctx.viewer.actor.roles.has(bot.workspaceId);
}

const PublicBot = builder.objectRef<PublicFace>("PublicBot").implement({
  description: "What a public client (the widget) may know of the bot its API key belongs to.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The bot's id." }),
    name: t.exposeString("name", { description: "Display name." }),
    greeting: t.exposeString("greeting", { nullable: true, description: "First message to show." }),
    primaryColor: t.exposeString("primaryColor", { nullable: true, description: "Accent colour." }),
    title: t.exposeString("title", { description: "Header title." }),
    position: t.exposeString("position", { description: "Launcher corner: left or right." }),
    language: t.exposeString("language", { description: "The widget's language, as a code: en, de, fr, nl or es." }),
    handoff: t.field({ type: HandoffMode, description: "When visitors are offered a person (requestPerson).", resolve: (b) => b.handoff }),
    personAvailable: t.boolean({
      description: "Whether one of the bot's operators is online now: asking for a person puts the visitor in the queue rather than being refused.",
      resolve: async (b, _args, ctx) => b.handoff !== "NEVER" && ctx.viewer.kind === "apiKey" && (await ctx.handoff.whyUnavailable(ctx.viewer.bot)) === null,
    }),
    handoffWaitSeconds: t.exposeInt("handoffWaitSeconds", {
      description: "How long a visitor waits in the queue before being offered to leave a message instead.",
    }),
    leadFields: t.field({ type: [LeadField], description: "What the message form asks besides email and message.", resolve: (b) => b.leadFields }),
  }),
});

builder.queryFields((t) => ({
  publicBot: t.field({
    type: PublicBot,
    description: "The public face of the bot this request's API key belongs to.",
    authScopes: { apiKey: true },
    resolve: (_root, _args, ctx) =>
      publicCall(ctx, "publicBot", async () => {
        if (ctx.viewer.kind !== "apiKey") throw new AppError("UNAUTHENTICATED", "Send an API key.");
        return publicFace(ctx.publicAccess.botFor(ctx.viewer));
      }),
  }),
}));

builder.subscriptionFields((t) => ({
  chat: t.field({
    extensions: { rateLimit: MEMBER_ASKS },
    type: ChatEvent,
    description: "Asks a bot a question and streams the answer: ChatStarted, ChatToken…, then ChatCompleted (with sources) or ChatFailed.",
    authScopes: { user: true, apiKey: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      message: t.arg.string({ description: "The question (at most 4000 characters)." }),
      sessionId: t.arg.string({ required: false, description: "Continue this conversation (from ChatStarted)." }),
    },
    subscribe: async (_root, args, ctx) => {
      const started = performance.now();
      try {
        const input = await chatInput(ctx, args);
        const prepared = await prepareChat(ctx, input);
        // The stream's signal aborts as soon as the client goes away, so the model's request is closed at once.
        return whileAllowed(ctx, input.bot.id, (signal) => recordStream(ctx, started, ctx.chat.stream(input, prepared, signal)));
      } catch (error) {
        recordUsage(ctx, "chat", started, { errorCode: codeOf(error) });
        throw error;
      }
    },
    resolve: orRevoked,
  }),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    extensions: { rateLimit: MEMBER_ASKS },
    type: ChatReply,
    description:
      "Asks a bot a question and returns the complete answer (for clients that do not stream). Fails with MODEL_UNAVAILABLE when the model cannot answer.",
    authScopes: { user: true, apiKey: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      message: t.arg.string({ description: "The question (at most 4000 characters)." }),
      sessionId: t.arg.string({ required: false, description: "Continue this conversation." }),
    },
    resolve: (_root, args, ctx) =>
      publicCall(
        ctx,
        "sendMessage",
        async () => {
          const input = await chatInput(ctx, args);
          const prepared = await prepareChat(ctx, input);
          for await (const event of ctx.chat.stream(input, prepared, ctx.shutdownSignal)) {
            const reply = replyOf(event);
            if (reply) return reply;
            if (event.type === "failed") {
              if (event.code === "MODEL_UNAVAILABLE") throw new AppError("MODEL_UNAVAILABLE", event.message);
              throw new Error(event.message);
            }
          }
          throw new Error("The answer ended without completing.");
        },
        (reply) => reply.message.completionTokens,
      ),
  }),
  rateMessage: t.prismaField({
    type: Message,
    description: "Records a thumbs up or down on an answer.",
    authScopes: { user: true, apiKey: true },
    args: { messageId: t.arg.id({ description: "The answer's id." }), rating: t.arg({ type: Feedback, description: "Up or down." }) },
    resolve: (query, _root, args, ctx) =>
      publicCall(ctx, "rateMessage", async () => {
        const message = await ctx.chat.rate(args.messageId, args.rating, mayRate(ctx));
        return ctx.prisma.message.findUniqueOrThrow({ ...query, where: { id: message.id } });
      }),
  }),
}));
