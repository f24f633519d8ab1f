import type { Context } from "../context.js";
import type { ChatSession as ChatSessionRow } from "@prisma/client";
import { leadsCsv } from "../services/handoff/leads.js";
import { PRESENCE_TTL_MS, shownName, type HandoffEvent as HandoffEventShape } from "../services/handoff/handoff.js";
import { AppError, assertId, notFound } from "../services/errors.js";
import { actorOf, builder } from "./builder.js";
import { ChatSession } from "./chat-session.js";
import { Message, chatBot, publicCall } from "./chat.js";
import { HandoffState, HandoffUnavailable } from "./enums.js";
import { MEMBER_ASKS } from "./field-limits.js";
import { orRevoked, whileAllowed } from "./live.js";

const Presence = builder.enumType("Presence", {
  description: "Whether an operator takes conversations now.",
  values: {
    ONLINE: { description: "Serving the queue. Lapses 90 s after the console last said so." },
    AWAY: { description: "Signed in, not taking new conversations." },
    OFFLINE: { description: "Gone." },
  } as const,
});

const LeaveReason = builder.enumType("HandoffLeaveReason", {
  description: "Why a person left a conversation.",
  values: {
    HANDED_BACK: { description: "Handed back to the bot." },
    CLOSED: { description: "The operator closed it." },
    WITHDRAWN: { description: "The visitor left the queue (they left a message instead)." },
  } as const,
});

const TypingSide = builder.enumType("TypingSide", {
  description: "Who is typing.",
  values: { VISITOR: { description: "The visitor." }, OPERATOR: { description: "The operator holding the conversation." } } as const,
});

type Of<T extends HandoffEventShape["type"]> = Extract<HandoffEventShape, { type: T }>;

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The fields every hand-off event has. */
function eventFields<T extends HandoffEventShape>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, T>) {
  return {
    conversationId: t.id({ description: "The conversation (ChatSession.id).", resolve: (e) => e.conversationId }),
    at: t.field({ type: "DateTime", description: "When it happened.", resolve: (e) => e.at }),
  };
}

const HandoffQueued = builder.objectRef<Of<"queued">>("HandoffQueued").implement({
  description: "A visitor asked for a person: the conversation is in the queue.",
  fields: (t) => eventFields(t),
});

const HandoffPosition = builder.objectRef<Of<"position">>("HandoffPosition").implement({
  description: "The conversation's place in the queue changed.",
  fields: (t) => ({ ...eventFields(t), position: t.exposeInt("position", { description: "1: next to be served." }) }),
});

const HandoffJoined = builder.objectRef<Of<"joined">>("HandoffJoined").implement({
  description: "An operator took the conversation (claimed, or was transferred it).",
  fields: (t) => ({
    ...eventFields(t),
    operatorId: t.id({ description: "The operator's user id.", resolve: (e) => e.operator.id }),
    operatorName: t.string({ description: "The first name the visitor sees.", resolve: (e) => e.operator.name }),
  }),
});

const HandoffLeft = builder.objectRef<Of<"left">>("HandoffLeft").implement({
  description: "The person left (or the request was withdrawn): the bot answers again.",
  fields: (t) => ({ ...eventFields(t), reason: t.field({ type: LeaveReason, description: "Handed back or closed.", resolve: (e) => e.reason }) }),
});

const HandoffMessage = builder.objectRef<Of<"message">>("HandoffMessage").implement({
  description: "A message in a conversation a person holds or is asked for: the visitor's or the operator's.",
  fields: (t) => ({ ...eventFields(t), message: t.field({ type: Message, description: "The stored message.", resolve: (e) => e.message }) }),
});

const HandoffTyping = builder.objectRef<Of<"typing">>("HandoffTyping").implement({
  description: "The other side is typing (sent at most every few seconds while they do).",
  fields: (t) => ({ ...eventFields(t), by: t.field({ type: TypingSide, description: "Who is typing.", resolve: (e) => e.by }) }),
});

const HandoffEvent = builder.unionType("HandoffEvent", {
  description: "Something that happened in a conversation handed to a person.",
  types: [HandoffQueued, HandoffPosition, HandoffJoined, HandoffLeft, HandoffMessage, HandoffTyping],
  resolveType: (event) =>
    ({ queued: HandoffQueued, position: HandoffPosition, joined: HandoffJoined, left: HandoffLeft, message: HandoffMessage, typing: HandoffTyping })[
      event.type
    ],
});

const HandoffRequest = builder
  .objectRef<{ sessionId: string; state: "BOT" | "WAITING" | "PERSON"; position: number | null; unavailable: "OUTSIDE_HOURS" | "NOBODY_ONLINE" | null }>(
    "HandoffRequest",
  )
  .implement({
    description: "What asking for a person came to.",
    fields: (t) => ({
      sessionId: t.exposeString("sessionId", { description: "The conversation (new if none was given): keep it to continue." }),
      state: t.field({
        type: HandoffState,
        description: "WAITING (in the queue), PERSON (held already), or BOT: no operator is online now.",
        resolve: (r) => r.state,
      }),
      position: t.int({ nullable: true, description: "Place in the queue, 1 first, while WAITING.", resolve: (r) => r.position }),
      unavailable: t.field({ type: HandoffUnavailable, nullable: true, description: "Why nobody can come, when state is BOT.", resolve: (r) => r.unavailable }),
    }),
  });

const PresenceStatus = builder.objectRef<{ presence: "ONLINE" | "AWAY" | "OFFLINE"; presenceAt: Date | null }>("PresenceStatus").implement({
  description: "An operator's presence, as last said.",
  fields: (t) => ({
    presence: t.field({ type: Presence, description: "Online, away or offline.", resolve: (p) => p.presence }),
    presenceAt: t.expose("presenceAt", { type: "DateTime", nullable: true, description: "When it was said." }),
  }),
});

/** A waiting conversation's place in its bot's queue, 1 first; null unless WAITING. One read per bot per request, however many rows ask. */
async function queuePlace(session: Pick<ChatSessionRow, "id" | "botId" | "handoffState">, ctx: Context): Promise<number | null> {
  if (session.handoffState !== "WAITING") return null;
  const index = (await ctx.loaders.waitingQueue.load(session.botId)).indexOf(session.id);
  return index === -1 ? null : index + 1;
}

const PublicConversation = builder.objectRef<ChatSessionRow>("PublicConversation").implement({
  description: "A visitor's own conversation, as the widget gets it back after a reload or a dropped connection.",
  fields: (t) => ({
    sessionId: t.string({ description: "The conversation.", resolve: (s) => s.publicId }),
    handoffState: t.field({ type: HandoffState, description: "Who answers it now.", resolve: (s) => s.handoffState }),
    queuePosition: t.int({ nullable: true, description: "Place in the queue, 1 first, while WAITING.", resolve: (s, _args, ctx) => queuePlace(s, ctx) }),
    operatorName: t.string({
      nullable: true,
      description: "The first name of the person holding it, while PERSON.",
      resolve: async (s, _args, ctx) =>
        s.operatorId ? shownName((await ctx.prisma.user.findUnique({ where: { id: s.operatorId }, select: { name: true } }))?.name ?? null) : null,
    }),
    messages: t.prismaField({
      type: [Message],
      description: "Its latest messages, oldest first (at most `last`).",
      args: { last: t.arg.int({ required: false, defaultValue: 50, description: "How many, 1 to 100 (default 50)." }) },
      resolve: async (query, s, args, ctx) => {
        const take = Math.min(Math.max(args.last ?? 50, 1), 100);
        const rows = await ctx.prisma.message.findMany({ ...query, where: { sessionId: s.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take });
        return rows.reverse();
      },
    }),
  }),
});

builder.prismaObject("Lead", {
  authScopes: (lead) => ({ bot: lead.botId }),
  description: "A message a visitor left when nobody could come.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The lead's id." }),
    name: t.exposeString("name", { nullable: true, description: "Their name, when the form asked it." }),
    email: t.exposeString("email", { description: "Where to answer them." }),
    phone: t.exposeString("phone", { nullable: true, description: "Their phone number, when the form asked it." }),
    message: t.exposeString("message", { description: "What they wrote." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was left." }),
    conversation: t.relation("session", { nullable: true, description: "The conversation it was left in." }),
  }),
});

const LeadReceipt = builder.objectRef<{ id: string; createdAt: Date }>("LeadReceipt").implement({
  description: "The message was received.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Its id." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it arrived." }),
  }),
});

builder.prismaObjectFields("ChatSession", (t) => ({
  handoffState: t.field({ type: HandoffState, description: "Who answers it now: the bot, the queue, or a person.", resolve: (s) => s.handoffState }),
  handedOff: t.exposeBoolean("handedOff", { description: "Whether the visitor ever asked for a person in it." }),
  handoffRequestedAt: t.expose("handoffRequestedAt", { type: "DateTime", nullable: true, description: "When it entered the queue, while WAITING." }),
  queuePosition: t.int({
    nullable: true,
    description: "Its place in the queue, 1 first, while WAITING.",
    select: { id: true, botId: true, handoffState: true },
    resolve: (s, _args, ctx) => queuePlace(s, ctx),
  }),
  operator: t.relation("operator", { nullable: true, description: "The operator holding it, while PERSON." }),
}));

builder.prismaObjectFields("User", (t) => ({
  presence: t.field({
    type: Presence,
    description: "Whether they take conversations now (operators): ONLINE only while their console keeps saying so.",
    select: { presence: true, presenceAt: true },
    resolve: (user) => effectivePresence(user),
  }),
}));

builder.prismaObjectFields("Bot", (t) => ({
  operators: t.prismaField({
    type: ["User"],
    description: "The members who answer this bot's visitors when they ask for a person.",
    resolve: (query, bot, _args, ctx) =>
      ctx.prisma.user.findMany({ ...query, where: { operatorOf: { some: { botId: bot.id } }, memberships: { some: { workspaceId: bot.workspaceId } } } }),
  }),
  leads: t.relatedConnection("leads", {
    description: "Messages visitors left when nobody could come, newest first.",
    cursor: "id",
    totalCount: true,
    query: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] },
  }),
  leadsCsv: t.string({
    description: "Its leads as CSV (newest first, at most 10,000), for a spreadsheet or a CRM.",
    resolve: async (bot, _args, ctx) =>
      leadsCsv(await ctx.prisma.lead.findMany({ where: { botId: bot.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 10_000 })),
  }),
  operatorsOnline: t.int({ description: "How many of its operators are online now.", resolve: (bot, _args, ctx) => ctx.handoff.operatorsOnline(bot) }),
  handoffConversations: t.relatedConnection("chatSessions", {
    description: "Its conversations handed to a person: WAITING ones first come first, PERSON ones latest first.",
    cursor: "id",
    totalCount: true,
    args: { state: t.arg({ type: HandoffState, description: "WAITING (the queue) or PERSON (held now)." }) },
    query: (args) => ({
      where: { handoffState: args.state },
      orderBy:
        args.state === "WAITING"
          ? [{ handoffRequestedAt: "asc" as const }, { id: "asc" as const }]
          : [{ lastActivityAt: "desc" as const }, { id: "asc" as const }],
    }),
  }),
}));

/** The conversation `sessionId` (public id) of the caller's bot: the visitor's own. */
async function visitorSession(ctx: Context, botId: string, sessionId: string | null | undefined) {
  const bot = await chatBot(ctx, botId);
  const session = await ctx.chat.session(bot, sessionId, ctx.viewer.kind === "apiKey" ? ctx.viewer.key.id : null);
  return { bot, session };
}

/** A visitor's stream leaves out its own typing; an operator's, every visitor's place in the queue. */
function visitorHears(event: HandoffEventShape): boolean {
  return !(event.type === "typing" && event.by === "VISITOR");
}

builder.queryFields((t) => ({
  publicConversation: t.field({
    type: PublicConversation,
    description: "The visitor's conversation, its messages (the operator's included) and who answers it: what the widget shows again after a reload.",
    authScopes: { user: true, apiKey: true },
    args: { botId: t.arg.id({ description: "Bot id." }), sessionId: t.arg.string({ description: "The conversation (from ChatStarted)." }) },
    resolve: (_root, args, ctx) =>
      publicCall(ctx, "publicConversation", async () => (await visitorSession(ctx, args.botId, assertSessionId(args.sessionId))).session),
  }),
}));

builder.mutationFields((t) => ({
  requestPerson: t.field({
    type: HandoffRequest,
    description:
      "The visitor asks for a person. The conversation enters the bot's queue when one of its operators is online (state WAITING, with its place); otherwise state is BOT and nothing changes. Follow conversationEvents.",
    authScopes: { user: true, apiKey: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      sessionId: t.arg.string({ required: false, description: "The conversation (from ChatStarted); a new one when omitted." }),
    },
    resolve: (_root, args, ctx) =>
      publicCall(ctx, "requestPerson", async () => {
        const { bot, session } = await visitorSession(ctx, args.botId, args.sessionId);
        const request = await ctx.handoff.request(bot, session);
        return { sessionId: session.publicId, state: request.state, position: request.position, unavailable: request.unavailable };
      }),
  }),
  leaveMessage: t.field({
    type: LeadReceipt,
    description:
      "The visitor leaves a message when nobody can come (outside the bot's hours, no operator online, or after waiting too long): email and message always, name and phone when the bot asks them. Gives up a place in the queue.",
    authScopes: { user: true, apiKey: true },
    args: {
      botId: t.arg.id({ description: "Bot id." }),
      sessionId: t.arg.string({ required: false, description: "The conversation it belongs to, if any." }),
      email: t.arg.string({ description: "Where to answer." }),
      message: t.arg.string({ description: "What they would like (at most 4000 characters)." }),
      name: t.arg.string({ required: false, description: "Their name (kept when the bot asks it)." }),
      phone: t.arg.string({ required: false, description: "A phone number (kept when the bot asks it)." }),
    },
    resolve: (_root, args, ctx) =>
      publicCall(ctx, "leaveMessage", async () => {
        const bot = await chatBot(ctx, args.botId);
        if (bot.handoff === "NEVER") throw new AppError("FORBIDDEN", "This bot does not take messages for a person.");
        const session = args.sessionId ? (await visitorSession(ctx, args.botId, args.sessionId)).session : null;
        return ctx.handoff.leaveMessage(bot, session, args);
      }),
  }),
  visitorTyping: t.boolean({
    description: "The visitor is typing, in a conversation a person holds: the operator sees it. Send at most every few seconds.",
    authScopes: { user: true, apiKey: true },
    args: { botId: t.arg.id({ description: "Bot id." }), sessionId: t.arg.string({ description: "The conversation." }) },
    resolve: (_root, args, ctx) =>
      publicCall(ctx, "visitorTyping", async () => {
        const { session } = await visitorSession(ctx, args.botId, assertSessionId(args.sessionId));
        if (session.handoffState !== "PERSON") return false;
        ctx.handoff.typing(session, "VISITOR");
        return true;
      }),
  }),
}));

// The operators' side.
builder.mutationFields((t) => ({
  setBotOperators: t.prismaField({
    type: "Bot",
    description: "Sets which members of the bot's workspace answer its visitors when they ask for a person (the whole list). Admins.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }), userIds: t.arg.idList({ description: "Members' user ids (empty: none)." }) },
    resolve: async (query, _root, args, ctx) => {
      const bot = await ctx.bots.load(actorOf(ctx), args.botId);
      if (args.userIds.length > 100) throw new AppError("BAD_USER_INPUT", "At most 100 operators.", { field: "userIds" });
      await ctx.handoff.setOperators(bot, args.userIds);
      return ctx.prisma.bot.findUniqueOrThrow({ ...query, where: { id: bot.id } });
    },
  }),
  setPresence: t.field({
    type: PresenceStatus,
    description: "Says whether you take conversations now. ONLINE lapses 90 s after it was last said: the console says it again every 30 s while open.",
    authScopes: { user: true },
    args: { presence: t.arg({ type: Presence, description: "Online, away or offline." }) },
    resolve: async (_root, args, ctx) => {
      const said = await ctx.handoff.setPresence(actorOf(ctx).userId, args.presence);
      return { ...said, presence: effectivePresence(said) };
    },
  }),
  claimConversation: t.prismaField({
    type: ChatSession,
    description: "Takes a waiting conversation: the bot steps aside and your replies reach the visitor. CONFLICT when another operator was first.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "The conversation's id (ChatSession.id)." }) },
    resolve: async (query, _root, args, ctx) => {
      const session = await ctx.handoff.claim(args.id, actorOf(ctx).userId);
      return ctx.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  replyToConversation: t.field({
    extensions: { rateLimit: MEMBER_ASKS },
    type: Message,
    description: "Sends the visitor a message in a conversation you hold. Shown to them as text, never as HTML.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "The conversation's id." }), message: t.arg.string({ description: "The text (at most 4000 characters)." }) },
    // The stored row, as sent to the visitor: no second read (relations not on it load when asked for).
    resolve: (_root, args, ctx) => ctx.handoff.reply(args.id, actorOf(ctx).userId, args.message),
  }),
  operatorTyping: t.boolean({
    extensions: { rateLimit: MEMBER_ASKS },
    description: "You are typing in a conversation you hold: the visitor sees it. Send at most every few seconds.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "The conversation's id." }) },
    resolve: async (_root, args, ctx) => {
      await ctx.handoff.operatorTyping(args.id, actorOf(ctx).userId);
      return true;
    },
  }),
  transferConversation: t.prismaField({
    type: ChatSession,
    description: "Gives a conversation you hold to another operator of the bot.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "The conversation's id." }), toUserId: t.arg.id({ description: "The operator to give it to." }) },
    resolve: async (query, _root, args, ctx) => {
      const session = await ctx.handoff.transfer(args.id, actorOf(ctx).userId, args.toUserId);
      return ctx.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  handBackConversation: t.prismaField({
    type: ChatSession,
    description: "Gives a conversation you hold (or a waiting one) back to the bot, which answers the visitor's next question.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "The conversation's id." }) },
    resolve: async (query, _root, args, ctx) => {
      const session = await ctx.handoff.release(args.id, actorOf(ctx).userId, "HANDED_BACK");
      return ctx.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  closeConversation: t.prismaField({
    type: ChatSession,
    description: "Ends your part in a conversation you hold (or a waiting one); the visitor is told, and the bot answers anything after.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "The conversation's id." }) },
    resolve: async (query, _root, args, ctx) => {
      const session = await ctx.handoff.release(args.id, actorOf(ctx).userId, "CLOSED");
      return ctx.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
}));

builder.subscriptionFields((t) => ({
  conversationEvents: t.field({
    type: HandoffEvent,
    description:
      "The visitor's side of a conversation handed to a person: its place in the queue, the person joining and leaving, their typing and their messages. Open it after requestPerson, or when the widget loads a conversation that is not with the bot.",
    authScopes: { user: true, apiKey: true },
    args: { botId: t.arg.id({ description: "Bot id." }), sessionId: t.arg.string({ description: "The conversation (from ChatStarted)." }) },
    subscribe: async (_root, args, ctx) => {
      const { bot, session } = await visitorSession(ctx, args.botId, assertSessionId(args.sessionId));
      return whileAllowed(ctx, bot.id, (signal) => filtered(ctx.handoff.events.subscribe(`conversation:${session.id}`, signal), visitorHears));
    },
    resolve: (event, _args, ctx) => knownBot(ctx, orRevoked(event)),
  }),
  handoffEvents: t.field({
    type: HandoffEvent,
    description: "An operator's live inbox for a bot: conversations entering the queue, being claimed and released, messages and typing in them.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }) },
    subscribe: async (_root, args, ctx) => {
      const bot = await ctx.prisma.bot.findUnique({ where: { id: assertId(args.botId, "bot") } });
      if (!bot || !actorOf(ctx).roles.has(bot.workspaceId) || !(await ctx.handoff.isOperator(bot, actorOf(ctx).userId))) throw notFound("Bot");
      const operatorHears = (event: HandoffEventShape) => event.type !== "position" && !(event.type === "typing" && event.by === "OPERATOR");
      return whileAllowed(ctx, bot.id, (signal) => filtered(ctx.handoff.events.subscribe(`bot:${bot.id}`, signal), operatorHears));
    },
    resolve: (event, _args, ctx) => knownBot(ctx, orRevoked(event)),
  }),
}));

/** ONLINE lapses to OFFLINE when the console has not said it again within PRESENCE_TTL_MS. */
function effectivePresence(user: { presence: "ONLINE" | "AWAY" | "OFFLINE"; presenceAt: Date | null }) {
  if (user.presence === "ONLINE" && (!user.presenceAt || Date.now() - user.presenceAt.getTime() > PRESENCE_TTL_MS)) return "OFFLINE";
  return user.presence;
}

/**
 * An event's conversation belongs to its bot: told to the context's loader,
 * so that reading the message's rights (Message's conversation scope) costs
 * no query per event and subscriber. 50 operators' inboxes over 1,000
 * conversations made 50,000 such reads otherwise.
 */
function knownBot<T extends HandoffEventShape>(ctx: Context, event: T): T {
  ctx.loaders.sessionBot.prime(event.conversationId, event.botId);
  return event;
}

function assertSessionId(sessionId: string): string {
  if (!sessionId.trim()) throw new AppError("BAD_USER_INPUT", "sessionId is empty.", { field: "sessionId" });
  return sessionId;
}

async function* filtered<T>(events: AsyncIterable<T>, keep: (event: T) => boolean): AsyncGenerator<T> {
  for await (const event of events) if (keep(event)) yield event;
}
