import type { Bot, ChatSession, HandoffState, Lead, Message, Presence, PrismaClient } from "@prisma/client";
import type { BotEvent } from "../bot-events.js";
import { isOpen, storedHours } from "./hours.js";
import { validLead, type LeadInput } from "./leads.js";
import type { Logger } from "../../logger.js";
import { AppError, assertId, badInput, notFound } from "../errors.js";
import { createTopics, type EventTransport } from "../event-transport.js";

/** A message as events carry it: with its author's name, so that no listener has to look it up. */
export type HandoffMessage = Message & { author: { name: string | null } | null };

/** What the visitor and the bot's operators hear of a conversation a person is asked for. */
export type HandoffEvent = { botId: string; conversationId: string; at: Date } & (
  | { type: "queued" }
  | { type: "position"; position: number }
  | { type: "joined"; operator: { id: string; name: string } }
  | { type: "left"; reason: "HANDED_BACK" | "CLOSED" | "WITHDRAWN" }
  | { type: "message"; message: HandoffMessage }
  | { type: "typing"; by: "VISITOR" | "OPERATOR" }
);

/** Why a person left: the bot answers again, or the operator ended it. */
export type LeaveReason = Extract<HandoffEvent, { type: "left" }>["reason"];

/** What asking for a person came to. */
export interface HandoffRequest {
  session: ChatSession;
  /** WAITING (in the queue), PERSON (already held), or BOT: nobody can come now. */
  state: HandoffState;
  /** Place in the queue, 1 first, while WAITING. */
  position: number | null;
  /** Why nobody can come, when state is BOT: the widget offers to leave a message. */
  unavailable: Unavailable | null;
}

/** Why no person can come now. */
export type Unavailable = "OUTSIDE_HOURS" | "NOBODY_ONLINE";

/** How long an operator's ONLINE lasts without the console saying so again: a closed laptop leaves no one "online". */
export const PRESENCE_TTL_MS = 90_000;

export const HANDOFF_CHANNEL = "handoff";

/** The longest operator reply, as long as a visitor's question may be. */
const MAX_REPLY_LENGTH = 4000;

/**
 * Live hand-off: a visitor asks for a person, the bot's operators (members
 * marked so) see the queue, one claims the conversation and answers in it
 * while the bot steps aside, then hands it back or closes it. State lives
 * in the chat session's row (claims are one conditional UPDATE, so two
 * operators on two instances cannot both win); events cross instances on
 * the event transport.
 */
interface HandoffDeps {
  prisma: PrismaClient;
  logger: Logger;
  transport?: EventTransport;
  /** Where other systems hear of requests for a person and messages left (webhooks). */
  publishBotEvent?: (event: BotEvent) => void;
}

export function createHandoffService({ prisma, logger, transport, publishBotEvent = () => {} }: HandoffDeps) {
  const topics = createTopics<HandoffEvent>(
    (event) => [`bot:${event.botId}`, `conversation:${event.conversationId}`],
    transport?.channel(HANDOFF_CHANNEL, reviveHandoffEvent),
  );
  const publish = (session: Pick<ChatSession, "id" | "botId">, event: DistributiveOmit<HandoffEvent, "botId" | "conversationId" | "at">) =>
    topics.publish({ ...event, botId: session.botId, conversationId: session.id, at: new Date() } as HandoffEvent);

  /**
   * Tells the visitors still waiting behind one who left the queue (or all of
   * them, without `behind`) their new place. An arrival joins at the end and
   * moves nobody, so it announces nothing: a queue of N costs N events per
   * departure, not per arrival.
   */
  async function announcePositions(botId: string, behind?: Date | null): Promise<void> {
    const waiting = await prisma.chatSession.findMany({
      where: { botId, handoffState: "WAITING" },
      orderBy: [{ handoffRequestedAt: "asc" }, { id: "asc" }],
      select: { id: true, botId: true, handoffRequestedAt: true },
    });
    waiting.forEach((session, index) => {
      if (!behind || !session.handoffRequestedAt || session.handoffRequestedAt > behind) publish(session, { type: "position", position: index + 1 });
    });
  }

  async function positionOf(session: Pick<ChatSession, "botId" | "handoffState" | "handoffRequestedAt">): Promise<number | null> {
    if (session.handoffState !== "WAITING" || !session.handoffRequestedAt) return null;
    const ahead = await prisma.chatSession.count({
      where: { botId: session.botId, handoffState: "WAITING", handoffRequestedAt: { lt: session.handoffRequestedAt } },
    });
    return ahead + 1;
  }

  /**
   * The bot answers the conversation again, unless it changed hands since
   * `session` was read; the visitor hears why, and those who waited behind
   * it their new place. Whether it moved.
   */
  async function backToBot(session: ChatSession, reason: LeaveReason): Promise<boolean> {
    const moved = await prisma.chatSession.updateMany({
      where: { id: session.id, handoffState: session.handoffState, operatorId: session.operatorId },
      data: { handoffState: "BOT", operatorId: null, handoffRequestedAt: null },
    });
    if (moved.count === 0) return false;
    publish(session, { type: "left", reason });
    if (session.handoffState === "WAITING") await announcePositions(session.botId, session.handoffRequestedAt);
    return true;
  }

  /** A conversation of a bot the user operates, with its bot. */
  async function operated(conversationId: string, userId: string) {
    const session = await prisma.chatSession.findUnique({ where: { id: assertId(conversationId, "conversation") }, include: { bot: true } });
    if (!session || !(await isOperator(session.bot, userId))) throw notFound("Conversation");
    return session;
  }

  /** Whether the user answers this bot's visitors: marked as its operator, and still a member of its workspace. */
  async function isOperator(bot: Pick<Bot, "id" | "workspaceId">, userId: string): Promise<boolean> {
    const row = await prisma.botOperator.findFirst({
      where: { botId: bot.id, userId, user: { memberships: { some: { workspaceId: bot.workspaceId } } } },
      select: { userId: true },
    });
    return row !== null;
  }

  /** Fails unless `userId` holds the conversation now. */
  function assertHolds(session: ChatSession, userId: string): void {
    if (session.handoffState !== "PERSON" || session.operatorId !== userId) {
      throw new AppError("CONFLICT", "You do not hold this conversation: claim it first (another operator may have it).");
    }
  }

  /**
   * A conversation `userId` holds now, in one read: holding it means they
   * claimed it as an operator, and leaving the workspace gives it back. Any
   * other caller goes through the full check, so that a conversation of a
   * bot they do not operate stays NOT_FOUND rather than CONFLICT.
   */
  async function heldBy(conversationId: string, userId: string): Promise<ChatSession> {
    const session = await prisma.chatSession.findUnique({ where: { id: assertId(conversationId, "conversation") } });
    if (session?.handoffState === "PERSON" && session.operatorId === userId) return session;
    const checked = await operated(conversationId, userId);
    assertHolds(checked, userId);
    return checked;
  }

  async function displayName(userId: string): Promise<string> {
    const user = await prisma.user.findUnique({ where: { id: userId }, select: { name: true } });
    return shownName(user?.name ?? null);
  }

  /** Operators of the bot whose console says they are online now. */
  function operatorsOnline(bot: Pick<Bot, "id" | "workspaceId">): Promise<number> {
    return prisma.botOperator.count({
      where: {
        botId: bot.id,
        user: { presence: "ONLINE", presenceAt: { gt: new Date(Date.now() - PRESENCE_TTL_MS) }, memberships: { some: { workspaceId: bot.workspaceId } } },
      },
    });
  }

  /** Why nobody can come now (outside the bot's hours, or no operator online), or null when someone can. */
  async function whyUnavailable(bot: Pick<Bot, "id" | "workspaceId" | "handoffHours">): Promise<Unavailable | null> {
    if (!isOpen(storedHours(bot.handoffHours), new Date())) return "OUTSIDE_HOURS";
    return (await operatorsOnline(bot)) > 0 ? null : "NOBODY_ONLINE";
  }

  /** Someone is typing: not stored, only heard (by the other side). */
  function typing(session: Pick<ChatSession, "id" | "botId">, by: "VISITOR" | "OPERATOR"): void {
    publish(session, { type: "typing", by });
  }

  return {
    events: topics,

    operatorsOnline,

    isOperator,
    whyUnavailable,

    /**
     * The visitor leaves a message for the business, when nobody could come
     * or they tired of waiting: stored as a lead (listed in the console), told
     * to other systems (bot events), and a place in the queue given up.
     */
    async leaveMessage(bot: Bot, session: ChatSession | null, input: LeadInput): Promise<Lead> {
      const lead = await prisma.lead.create({ data: { botId: bot.id, sessionId: session?.id ?? null, ...validLead(bot, input) } });
      if (session?.handoffState === "WAITING") await backToBot(session, "WITHDRAWN");
      publishBotEvent({ type: "lead.created", botId: bot.id, leadId: lead.id, sessionId: session?.id ?? null, at: lead.createdAt });
      return lead;
    },

    /**
     * The visitor asks for a person. Enters the bot's queue when an operator
     * is online; otherwise nothing changes and the answer says so (state BOT).
     */
    async request(bot: Bot, session: ChatSession): Promise<HandoffRequest> {
      if (bot.handoff === "NEVER") throw new AppError("FORBIDDEN", "This bot does not offer a person.");
      if (session.handoffState !== "BOT") return { session, state: session.handoffState, position: await positionOf(session), unavailable: null };
      const unavailable = await whyUnavailable(bot);
      if (unavailable) return { session, state: "BOT", position: null, unavailable };
      const now = new Date();
      const moved = await prisma.chatSession.updateMany({
        where: { id: session.id, handoffState: "BOT" },
        data: { handoffState: "WAITING", handoffRequestedAt: now, handedOff: true, lastActivityAt: now },
      });
      const current = await prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
      if (moved.count === 1) {
        publish(current, { type: "queued" });
        publishBotEvent({ type: "handoff.requested", botId: bot.id, sessionId: session.id, at: now });
      }
      return { session: current, state: current.handoffState, position: await positionOf(current), unavailable: null };
    },

    /** A visitor's message in a conversation a person holds or is asked for: to the operators (it is stored already). */
    visitorSaid(session: ChatSession, message: Message): void {
      publish(session, { type: "message", message: { ...message, author: null } });
    },

    /** Takes a waiting conversation. One conditional UPDATE: of two operators claiming at once, one wins and the other gets CONFLICT. */
    async claim(conversationId: string, userId: string): Promise<ChatSession> {
      const session = await operated(conversationId, userId);
      const claimed = await prisma.chatSession.updateMany({
        where: { id: session.id, handoffState: "WAITING" },
        data: { handoffState: "PERSON", operatorId: userId, handoffRequestedAt: null },
      });
      if (claimed.count === 0) {
        const now = await prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
        if (now.handoffState === "PERSON" && now.operatorId === userId) return now;
        throw new AppError(
          "CONFLICT",
          now.handoffState === "PERSON" ? "Another operator has claimed this conversation." : "This conversation is not waiting for a person.",
        );
      }
      publish(session, { type: "joined", operator: { id: userId, name: await displayName(userId) } });
      await announcePositions(session.botId, session.handoffRequestedAt);
      return prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
    },

    /** The operator's reply, stored and sent to the visitor at once. */
    async reply(conversationId: string, userId: string, text: string): Promise<HandoffMessage> {
      const content = text.trim();
      if (!content) throw badInput("The message is empty.", "message");
      if (content.length > MAX_REPLY_LENGTH) throw badInput(`The message is longer than ${MAX_REPLY_LENGTH} characters.`, "message");
      const session = await heldBy(conversationId, userId);
      // The conversation's lastActivityAt follows its messages in the database (messages_touch_session).
      const message = await prisma.message.create({
        data: { sessionId: session.id, role: "OPERATOR", content, authorId: userId },
        include: { author: { select: { name: true } } },
      });
      publish(session, { type: "message", message });
      return message;
    },

    typing,

    async operatorTyping(conversationId: string, userId: string): Promise<void> {
      typing(await heldBy(conversationId, userId), "OPERATOR");
    },

    /** Gives a held conversation to another operator of the bot. */
    async transfer(conversationId: string, userId: string, toUserId: string): Promise<ChatSession> {
      const session = await operated(conversationId, userId);
      assertHolds(session, userId);
      const to = assertId(toUserId, "user");
      if (!(await isOperator(session.bot, to))) throw badInput("That person is not an operator of this bot.", "toUserId");
      const moved = await prisma.chatSession.updateMany({
        where: { id: session.id, handoffState: "PERSON", operatorId: userId },
        data: { operatorId: to },
      });
      if (moved.count === 0) throw new AppError("CONFLICT", "The conversation changed hands meanwhile.");
      publish(session, { type: "joined", operator: { id: to, name: await displayName(to) } });
      return prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
    },

    /**
     * The person steps out: HANDED_BACK gives the conversation back to the
     * bot, CLOSED ends the person's part of it (the bot answers what comes
     * next either way). Held conversations are released by their operator;
     * a waiting one by any operator (a queue nobody will serve).
     */
    async release(conversationId: string, userId: string, reason: LeaveReason): Promise<ChatSession> {
      const session = await operated(conversationId, userId);
      if (session.handoffState === "BOT") throw new AppError("CONFLICT", "The bot already holds this conversation.");
      if (session.handoffState === "PERSON") assertHolds(session, userId);
      if (!(await backToBot(session, reason))) throw new AppError("CONFLICT", "The conversation changed hands meanwhile.");
      return prisma.chatSession.findUniqueOrThrow({ where: { id: session.id } });
    },

    /**
     * A member left the workspace: they operate none of its bots any more,
     * and the conversations they held go back to the front of the queue.
     */
    async memberRemoved(workspaceId: string, userId: string): Promise<void> {
      await prisma.botOperator.deleteMany({ where: { userId, bot: { workspaceId } } });
      const held = await prisma.chatSession.findMany({ where: { operatorId: userId, handoffState: "PERSON", bot: { workspaceId } } });
      for (const session of held) {
        const requeued = await prisma.chatSession.updateMany({
          where: { id: session.id, handoffState: "PERSON", operatorId: userId },
          data: { handoffState: "WAITING", operatorId: null, handoffRequestedAt: session.createdAt },
        });
        if (requeued.count === 1) publish(session, { type: "queued" });
      }
      for (const botId of new Set(held.map((session) => session.botId))) await announcePositions(botId);
    },

    /** The console says its user is online, away or gone; ONLINE lapses after PRESENCE_TTL_MS unless said again. */
    async setPresence(userId: string, presence: Presence): Promise<{ presence: Presence; presenceAt: Date | null }> {
      return prisma.user.update({ where: { id: userId }, data: { presence, presenceAt: new Date() }, select: { presence: true, presenceAt: true } });
    },

    /** Marks which members of the bot's workspace are its operators (the whole list, replacing the last). */
    async setOperators(bot: Pick<Bot, "id" | "workspaceId">, userIds: string[]): Promise<void> {
      const ids = [...new Set(userIds.map((id) => assertId(id, "user")))];
      const members = await prisma.membership.findMany({ where: { workspaceId: bot.workspaceId, userId: { in: ids } }, select: { userId: true } });
      if (members.length !== ids.length) throw badInput("Operators must be members of the bot's workspace.", "userIds");
      await prisma.$transaction([
        prisma.botOperator.deleteMany({ where: { botId: bot.id, userId: { notIn: ids } } }),
        prisma.botOperator.createMany({ data: ids.map((userId) => ({ botId: bot.id, userId })), skipDuplicates: true }),
      ]);
      logger.info("bot operators set", { botId: bot.id, operators: ids.length });
    },
  };
}

export type HandoffService = ReturnType<typeof createHandoffService>;

/** What a visitor sees of an operator: a first name, never an address. */
export function shownName(name: string | null): string {
  return name?.trim().split(/\s+/)[0] || "Support";
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A hand-off event as it arrived from another instance (JSON: dates as strings). */
function reviveHandoffEvent(raw: unknown): HandoffEvent | undefined {
  const event = raw as HandoffEvent & { at: string };
  if (typeof event.botId !== "string" || typeof event.conversationId !== "string") return undefined;
  const revived = { ...event, at: new Date(event.at) } as HandoffEvent;
  if (revived.type === "message") {
    const message = revived.message as HandoffMessage & { createdAt: string; feedbackAt: string | null };
    revived.message = { ...message, createdAt: new Date(message.createdAt), feedbackAt: message.feedbackAt ? new Date(message.feedbackAt) : null };
  }
  return revived;
}
