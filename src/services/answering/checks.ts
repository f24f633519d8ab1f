import type { BotEvent } from "../bot-events.js";
import type { Check, CheckRun, CheckTrigger, Prisma, PrismaClient } from "@prisma/client";
import type { DatabasePriority } from "../../db/priority.js";
import type { Logger } from "../../logger.js";
import { authorizeBotChild, EDITOR, type Actor } from "../access/access.js";
import type { BotService } from "../tenancy/bots.js";
import type { Answer, ChatService } from "./chat.js";
import { AppError, assertId, badInput } from "../errors.js";
import type { Retrieval } from "./retrieval.js";

/** What a saved check asks: phrases the answer must hold, or a refusal. */
export interface CheckInput {
  question?: string | null;
  mustContain?: string[] | null;
  refuses?: boolean | null;
}

/** Something that happened to a bot that other systems may want to hear of (the webhooks of a later issue carry them). */

export interface CheckOptions {
  /** How long after a bot's last sync its checks run, so that a crawl of many pages runs them once. @default 10000 */
  afterSyncDelayMs?: number;
}

/** Case and spacing aside, does the answer hold the phrase? */
const holds = (answer: string, phrase: string) => answer.replace(/\s+/g, " ").toLowerCase().includes(phrase.replace(/\s+/g, " ").trim().toLowerCase());

/** Whether an answer is what the check asks for. */
export function passes(check: Pick<Check, "kind" | "mustContain" | "correctionId">, answer: Pick<Answer, "content" | "sources" | "correctionId">): boolean {
  if (check.kind === "CORRECTION") return answer.correctionId === check.correctionId;
  if (check.kind === "REFUSES") return !answer.sources.length && !answer.correctionId;
  return check.mustContain.some((phrase) => holds(answer.content, phrase));
}

/**
 * A bot's checks: every correction, and the questions an owner saved with
 * what their answers must hold (or that they must be refused). A run
 * replays each one, one after another, through the same answering as a
 * visitor's question, storing no conversation and charging no usage, and
 * records pass or fail with the answer given. A check that passed in the
 * run before and fails now is a regression, published as a bot event.
 */
export function createCheckService(
  {
    prisma,
    bots,
    chat,
    retrieval,
    logger,
    shutdownSignal,
    publish,
    priority,
  }: {
    prisma: PrismaClient;
    bots: BotService;
    chat: Pick<ChatService, "answer">;
    retrieval: Pick<Retrieval, "embed">;
    logger: Logger;
    shutdownSignal: AbortSignal;
    publish: (event: BotEvent) => void;
    /** Visitors' work goes first: a run waits while it is in flight. */
    priority?: Pick<DatabasePriority, "background">;
  },
  { afterSyncDelayMs = 10_000 }: CheckOptions = {},
) {
  const pending = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();

  async function load(actor: Actor, id: string): Promise<Check> {
    const check = await prisma.check.findUnique({ where: { id: assertId(id, "check") }, include: { bot: { select: { workspaceId: true } } } });
    return authorizeBotChild(actor, check, "Check");
  }

  function expectation(input: CheckInput, current?: Check): Pick<Prisma.CheckUncheckedCreateInput, "kind" | "mustContain"> {
    const mustContain = (input.mustContain ?? current?.mustContain ?? []).map((p) => p.trim()).filter(Boolean);
    const refuses = input.refuses ?? current?.kind === "REFUSES";
    if (refuses && input.mustContain?.length) throw badInput("A check either expects phrases in the answer or a refusal, not both.", "mustContain");
    if (refuses) return { kind: "REFUSES", mustContain: [] };
    if (!mustContain.length) throw badInput("Say what the answer must contain (one phrase or more), or that the question must be refused.", "mustContain");
    return { kind: "CONTAINS", mustContain };
  }

  /** The answer one check gets now, as a visitor's question would (not stored, not charged). */
  async function replay(bot: Parameters<ChatService["answer"]>[0], question: string, signal: AbortSignal): Promise<Answer> {
    const answering = chat.answer(bot, question, retrieval.embed(question, signal), Promise.resolve([]), signal, { replay: true });
    let next = await answering.next();
    while (!next.done) next = await answering.next();
    return next.value;
  }

  async function execute(run: CheckRun): Promise<void> {
    const bot = await prisma.bot.findUniqueOrThrow({ where: { id: run.botId } });
    // A correction switched off is meant not to answer: its check rests with it.
    const checks = await prisma.check.findMany({
      where: { botId: bot.id, OR: [{ correctionId: null }, { correction: { isActive: true } }] },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    const counts = { total: checks.length, passed: 0, failed: 0, regressions: 0, fixed: 0 };
    for (const check of checks) {
      shutdownSignal.throwIfAborted();
      const began = performance.now();
      const before = await prisma.checkResult.findFirst({
        where: { checkId: check.id, runId: { not: run.id } },
        orderBy: { createdAt: "desc" },
        select: { passed: true },
      });
      const answer = await replay(bot, check.question, shutdownSignal);
      const passed = passes(check, answer);
      await prisma.checkResult.create({
        data: {
          runId: run.id,
          checkId: check.id,
          passed,
          passedBefore: before?.passed ?? null,
          answer: answer.content,
          corrected: answer.correctionId !== null,
          sources: answer.sources as unknown as Prisma.InputJsonArray,
        },
      });
      counts[passed ? "passed" : "failed"]++;
      if (before?.passed && !passed) counts.regressions++;
      if (before && !before.passed && passed) counts.fixed++;
      await yieldToVisitors(performance.now() - began);
    }
    await prisma.checkRun.update({ where: { id: run.id }, data: { ...counts, status: "DONE", finishedAt: new Date() } });
    if (counts.regressions) publish({ type: "checks.regressed", botId: bot.id, runId: run.id, regressions: counts.regressions, at: new Date() });
  }

  /**
   * A run rests as long as its last check worked, then waits while visitors'
   * work is in flight: it takes at most about half of the database (one
   * statement at a time on PGlite), however many checks it has.
   */
  async function yieldToVisitors(worked: number) {
    await new Promise((resolve) => setTimeout(resolve, worked));
    await priority?.background(worked);
  }

  /** Starts a run of a bot's checks; resolves with it as it begins (RUNNING), one run per bot at a time. */
  async function start(botId: string, trigger: CheckTrigger): Promise<CheckRun> {
    const current = await prisma.checkRun.findFirst({ where: { botId, status: "RUNNING" }, orderBy: { startedAt: "desc" } });
    if (current && running.has(botId)) return current;
    const run = await prisma.checkRun.create({ data: { botId, trigger } });
    const done = execute(run)
      .catch(async (error: unknown) => {
        if (!shutdownSignal.aborted) logger.warn("checks failed to run", { botId, runId: run.id, error });
        await prisma.checkRun.update({ where: { id: run.id }, data: { status: "FAILED", finishedAt: new Date() } }).catch(() => {});
      })
      .finally(() => running.delete(botId));
    running.set(botId, done);
    return run;
  }

  return {
    async create(actor: Actor, botId: string, input: CheckInput): Promise<Check> {
      const bot = await bots.load(actor, botId, EDITOR);
      const question = input.question?.trim();
      if (!question) throw badInput("A check needs the question to ask.", "question");
      return prisma.check.create({ data: { botId: bot.id, question, ...expectation(input) } });
    },

    async update(actor: Actor, id: string, input: CheckInput): Promise<Check> {
      const check = await load(actor, id);
      if (check.kind === "CORRECTION") throw new AppError("CONFLICT", "This check is its correction's: change the correction instead.");
      const question = input.question?.trim();
      if (input.question != null && !question) throw badInput("A check needs the question to ask.", "question");
      return prisma.check.update({ where: { id: check.id }, data: { ...(question && { question }), ...expectation(input, check) } });
    },

    async delete(actor: Actor, id: string): Promise<Check> {
      const check = await load(actor, id);
      if (check.kind === "CORRECTION") throw new AppError("CONFLICT", "This check is its correction's: delete or switch off the correction instead.");
      await prisma.check.delete({ where: { id: check.id } });
      return check;
    },

    /** Runs a bot's checks now (owner or admin); resolves as the run begins. */
    async run(actor: Actor, botId: string): Promise<CheckRun> {
      const bot = await bots.load(actor, botId, EDITOR);
      return start(bot.id, "MANUAL");
    },

    /** A bot's sources synced: its checks run once its syncs have settled for `afterSyncDelayMs`. */
    afterSync(botId: string): void {
      clearTimeout(pending.get(botId));
      const timer = setTimeout(() => {
        pending.delete(botId);
        void prisma.check
          .count({ where: { botId } })
          .then((count) => (count ? start(botId, "SYNC") : undefined))
          .catch((error: unknown) => logger.warn("could not start the checks after a sync", { botId, error }));
      }, afterSyncDelayMs);
      timer.unref();
      pending.set(botId, timer);
    },

    /**
     * Runs that a stop interrupted end as FAILED (their results so far are
     * kept): all of them on PGlite (one process), and on PostgreSQL those
     * whose last result is older than `quietMs` (another instance may be running one).
     */
    async recoverInterrupted(quietMs: number): Promise<void> {
      await prisma.$executeRaw`
        UPDATE check_runs r SET status = 'FAILED', finished_at = now()
        WHERE r.status = 'RUNNING'
          AND greatest(r.started_at, coalesce((SELECT max(x.created_at) FROM check_results x WHERE x.run_id = r.id), r.started_at))
              <= now() - make_interval(secs => ${quietMs / 1000})`;
    },

    /** Waits for the runs under way (tests, shutdown). */
    async settled(): Promise<void> {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      await Promise.all(running.values());
    },
  };
}

export type CheckService = ReturnType<typeof createCheckService>;
