import type { CitedSource as CitedSourceShape } from "../services/answering/passages.js";
import * as v from "../services/validation.js";
import { assertId } from "../services/errors.js";
import { actorOf, builder } from "./builder.js";
import { MEMBER_WORK } from "./field-limits.js";
import { CitedSource } from "./chat.js";

const CheckKind = builder.enumType("CheckKind", {
  description: "What a check's answer must be.",
  values: {
    CORRECTION: { description: "The answer of its correction: every correction is a check." },
    CONTAINS: { description: "An answer holding one of mustContain (case and spacing aside)." },
    REFUSES: { description: "The bot saying its sources do not cover it." },
  } as const,
});

const CheckTrigger = builder.enumType("CheckTrigger", {
  description: "What started a run.",
  values: { MANUAL: { description: "Someone ran the checks." }, SYNC: { description: "The bot's sources synced." } } as const,
});

const CheckRunStatus = builder.enumType("CheckRunStatus", {
  description: "Where a run is.",
  values: {
    RUNNING: { description: "Replaying the checks." },
    DONE: { description: "Every check was replayed." },
    FAILED: { description: "It stopped before the end (the server stopped, or the model failed); its results so far are kept." },
  } as const,
});

export const CheckResult = builder.prismaObject("CheckResult", {
  // Checked wherever in the graph one is reached: its run's bot decides.
  authScopes: async (result, ctx) => ({ bot: await ctx.loaders.checkRunBot.load(result.runId) }),
  description: "What one check got in one run.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The result's id." }),
    check: t.relation("check", { description: "The check." }),
    passed: t.exposeBoolean("passed", { description: "Whether the answer was what the check asks for." }),
    passedBefore: t.exposeBoolean("passedBefore", { nullable: true, description: "Whether it passed in the run before; null when it was not run before." }),
    regression: t.boolean({ description: "It passed in the run before and fails now.", resolve: (r) => r.passedBefore === true && !r.passed }),
    fixed: t.boolean({ description: "It failed in the run before and passes now.", resolve: (r) => r.passedBefore === false && r.passed }),
    answer: t.exposeString("answer", { description: "The answer the bot gave." }),
    corrected: t.exposeBoolean("corrected", { description: "Whether that answer was a correction." }),
    sources: t.field({
      type: [CitedSource],
      description: "The sources the answer cited.",
      extensions: { listSize: 50 },
      resolve: (r) => (r.sources ?? []) as unknown as CitedSourceShape[],
    }),
  }),
});

export const Check = builder.prismaObject("Check", {
  // Checked wherever in the graph one is reached, not only at the root field that found it.
  authScopes: (check) => ({ bot: check.botId }),
  description:
    "A question and what its answer must be. Running a bot's checks replays them against its current sources, prompts and settings (a switched-off correction's check is not run).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The check's id." }),
    kind: t.expose("kind", { type: CheckKind, description: "What the answer must be." }),
    question: t.exposeString("question", { description: "The question asked." }),
    mustContain: t.exposeStringList("mustContain", { description: "For CONTAINS: the answer must hold one of these." }),
    correction: t.relation("correction", { nullable: true, description: "For CORRECTION: the correction whose answer it must get." }),
    lastResult: t.field({
      type: CheckResult,
      nullable: true,
      description: "What it got in the latest run it was in; null before its first.",
      // Loaded with the checks themselves, one query for a whole page.
      select: { results: { orderBy: { createdAt: "desc" }, take: 1 } },
      resolve: (check) => check.results[0] ?? null,
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was made." }),
  }),
});

export const CheckRun = builder.prismaObject("CheckRun", {
  authScopes: (run) => ({ bot: run.botId }),
  description: "One replay of a bot's checks.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The run's id." }),
    trigger: t.expose("trigger", { type: CheckTrigger, description: "What started it." }),
    status: t.expose("status", { type: CheckRunStatus, description: "Running, done or failed." }),
    total: t.exposeInt("total", { description: "Checks to replay." }),
    passed: t.exposeInt("passed", { description: "Checks that passed." }),
    failed: t.exposeInt("failed", { description: "Checks that failed." }),
    regressions: t.exposeInt("regressions", { description: "Checks that passed in the run before and fail in this one." }),
    fixed: t.exposeInt("fixed", { description: "Checks that failed in the run before and pass in this one." }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "When it began." }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true, description: "When it ended." }),
    results: t.relatedConnection("results", {
      description: "What each check got, in the order they ran.",
      cursor: "id",
      totalCount: true,
      args: { changed: t.arg.boolean({ required: false, description: "Only the results that differ from the run before (regressions and fixes)." }) },
      query: (args) => ({
        where: args.changed
          ? {
              OR: [
                { passed: true, passedBefore: false },
                { passed: false, passedBefore: true },
              ],
            }
          : {},
        orderBy: [{ createdAt: "asc" as const }, { id: "asc" as const }],
      }),
    }),
  }),
});

const CheckInput = builder.inputType("CheckInput", {
  description: "A check: a question, and either phrases its answer must hold or that it must be refused. In updateCheck, omitted fields keep their value.",
  fields: (t) => ({
    question: t.string({ required: false, description: "The question to ask (needed to create one).", validate: { schema: v.optionalText(1000) } }),
    mustContain: t.stringList({
      required: false,
      description: "The answer must hold one of these (case and spacing aside).",
      validate: { schema: v.phrasings },
    }),
    refuses: t.boolean({ required: false, description: "The bot must say its sources do not cover it." }),
  }),
});

builder.prismaObjectFields("Bot", (t) => ({
  checks: t.relatedConnection("checks", {
    description: "This bot's checks (its corrections' included), oldest first: the order they run in.",
    cursor: "id",
    totalCount: true,
    query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
  }),
  checkRuns: t.relatedConnection("checkRuns", {
    description: "Runs of this bot's checks, newest first.",
    cursor: "id",
    totalCount: true,
    query: { orderBy: [{ startedAt: "desc" }, { id: "desc" }] },
  }),
}));

builder.mutationFields((t) => ({
  createCheck: t.prismaField({
    type: Check,
    description: "Saves a question with what its answer must hold, or that it must be refused (owner or admin).",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }), input: t.arg({ type: CheckInput, description: "The check." }) },
    resolve: async (query, _root, args, ctx) => {
      const check = await ctx.checks.create(actorOf(ctx), assertId(args.botId, "bot"), args.input);
      return ctx.prisma.check.findUniqueOrThrow({ ...query, where: { id: check.id } });
    },
  }),
  updateCheck: t.prismaField({
    type: Check,
    description: "Changes a saved check (owner or admin); a correction's check changes with its correction.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Check id." }), input: t.arg({ type: CheckInput, description: "The changes." }) },
    resolve: async (query, _root, args, ctx) => {
      const check = await ctx.checks.update(actorOf(ctx), args.id, args.input);
      return ctx.prisma.check.findUniqueOrThrow({ ...query, where: { id: check.id } });
    },
  }),
  deleteCheck: t.id({
    description: "Deletes a saved check (owner or admin); returns its id.",
    authScopes: { user: true },
    args: { id: t.arg.id({ description: "Check id." }) },
    resolve: async (_root, args, ctx) => (await ctx.checks.delete(actorOf(ctx), args.id)).id,
  }),
  runChecks: t.prismaField({
    extensions: { rateLimit: MEMBER_WORK },
    type: CheckRun,
    description:
      "Replays every check of a bot against its current sources, prompts and settings (owner or admin): no conversation is stored and no usage charged. Answers as the run begins; follow it in checkRuns. A run already under way is returned instead of a second.",
    authScopes: { user: true },
    args: { botId: t.arg.id({ description: "Bot id." }) },
    resolve: async (query, _root, args, ctx) => {
      const run = await ctx.checks.run(actorOf(ctx), assertId(args.botId, "bot"));
      return ctx.prisma.checkRun.findUniqueOrThrow({ ...query, where: { id: run.id } });
    },
  }),
}));
