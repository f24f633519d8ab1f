import type { Prisma, PrismaClient, Source } from "@prisma/client";
import { connectorFor, supportedDocuments, type Connector } from "../../../connectors/index.js";
import { parseHttpUrl, isPrivateAddress } from "../../../connectors/web/fetch.js";
import type { WebOptions } from "../../../connectors/web/index.js";
import type { Config } from "../../config.js";
import { authorizeBotChild, EDITOR, type Actor } from "../access/access.js";
import type { BotService } from "../tenancy/bots.js";
import { AppError, assertId, badInput } from "../errors.js";
import { writeFile } from "./files.js";
import type { SourceEvents } from "./events.js";
import type { JobRunner } from "./jobs.js";
import { sha256 } from "../access/secrets.js";
import { nextRun, validSchedule } from "../schedules.js";

/** A schedule and its first run, as stored on a source. */
const scheduled = (schedule: string | null) => ({ syncSchedule: schedule, nextSyncAt: schedule ? nextRun(schedule, new Date(), { first: true }) : null });

/** An uploaded file as the GraphQL layer receives it (a web File fits). */
export interface Upload {
  name: string;
  type: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface LinkInput {
  url: string;
  maxDepth?: number | null;
  maxPages?: number | null;
  sitemap?: boolean | null;
  /** When to read it again (schedules.ts); absent: the bot's linkSchedule. */
  schedule?: string | null;
}

/**
 * Marks a source for ingestion again; its current chunks stay until the new
 * ones replace them. The caller wakes the workers after committing.
 */
export async function requeueSource(tx: Prisma.TransactionClient, jobs: Pick<JobRunner, "enqueue">, sourceId: string): Promise<Source> {
  const updated = await tx.source.update({ where: { id: sourceId }, data: { syncStatus: "PENDING", attempts: 0, lastError: null } });
  await jobs.enqueue(sourceId, tx);
  return updated;
}

export function createSourceService({
  prisma,
  config,
  bots,
  jobs,
  events,
}: {
  prisma: PrismaClient;
  config: Pick<Config, "ALLOW_PRIVATE_URLS" | "MAX_UPLOAD_BYTES">;
  bots: BotService;
  jobs: JobRunner;
  events: SourceEvents;
}) {
  async function load(actor: Actor, sourceId: string): Promise<Source> {
    const source = await prisma.source.findUnique({ where: { id: assertId(sourceId, "source") }, include: { bot: { select: { workspaceId: true } } } });
    return authorizeBotChild(actor, source, "Source");
  }

  async function readUpload(file: Upload): Promise<{ bytes: Uint8Array<ArrayBuffer>; connector: Connector; mimeType: string | null }> {
    if (file.size > config.MAX_UPLOAD_BYTES) {
      throw new AppError("REQUEST_ENTITY_TOO_LARGE", `${file.name} is ${file.size} bytes; the limit is ${config.MAX_UPLOAD_BYTES} (MAX_UPLOAD_BYTES).`);
    }
    const mimeType = file.type && file.type !== "application/octet-stream" ? file.type : null;
    const connector = connectorFor({ kind: "DOCUMENT", name: file.name, mimeType });
    if (!connector) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", `${file.name} is not a supported document. Supported: ${supportedDocuments()}.`, { field: "file" });
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!bytes.length) throw badInput(`${file.name} is empty.`, "file");
    const wrong = connector.sniff?.(bytes);
    if (wrong) throw new AppError("UNSUPPORTED_MEDIA_TYPE", `${file.name}: ${wrong}`, { field: "file" });
    return { bytes, connector, mimeType: mimeType ?? file.type ?? null };
  }

  function linkOptions(input: LinkInput): { url: string; options: WebOptions } {
    let url: URL;
    try {
      url = parseHttpUrl(input.url.trim());
    } catch (error) {
      throw badInput((error as Error).message, "url");
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!config.ALLOW_PRIVATE_URLS && (host === "localhost" || isPrivateAddress(host))) {
      throw badInput(`${url.hostname} is a private or local address, which Parley does not fetch (ALLOW_PRIVATE_URLS).`, "url");
    }
    const options: WebOptions = {
      ...(input.maxDepth != null && { maxDepth: input.maxDepth }),
      ...(input.maxPages != null && { maxPages: input.maxPages }),
      ...(input.sitemap && { sitemap: true }),
    };
    return { url: url.href, options };
  }

  /**
   * Refuses content the bot already has: the same file or text (by its
   * SHA-256) or the same address. Added twice, every answer from it would
   * say things twice and cite it twice. The existing source's id comes with
   * the refusal, to resync or replace that one instead.
   */
  async function assertNew(botId: string, same: { sha256: string } | { url: string }, field: string, except?: string): Promise<void> {
    const existing = await prisma.source.findFirst({ where: { botId, ...same, ...(except && { id: { not: except } }) }, select: { id: true, name: true } });
    if (!existing) return;
    const what = "url" in same ? "This address" : field === "text" ? "This text" : "This file";
    throw new AppError("CONFLICT", `${what} is already a source of this bot ("${existing.name}"): resync or replace that one instead.`, {
      field,
      existingSourceId: existing.id,
    });
  }

  /** Creates the source, its original bytes and its first job together. */
  async function create(botId: string, data: Omit<Prisma.SourceUncheckedCreateInput, "botId">, bytes: Uint8Array<ArrayBuffer> | null): Promise<Source> {
    const source = await prisma.$transaction(async (tx) => {
      const created = await tx.source.create({ data: { ...data, botId } });
      if (bytes) await writeFile(tx, created.id, bytes);
      await jobs.enqueue(created.id, tx);
      return created;
    });
    jobs.wake();
    events.publish({ botId, sourceId: source.id, status: "PENDING" });
    return source;
  }

  const requeue = (source: Pick<Source, "id">, tx: Prisma.TransactionClient) => requeueSource(tx, jobs, source.id);

  function announce(sources: Source[]) {
    jobs.wake();
    for (const s of sources) events.publish({ botId: s.botId, sourceId: s.id, status: "PENDING" });
  }

  return {
    load,

    async uploadDocument(actor: Actor, botId: string, file: Upload): Promise<Source> {
      const bot = await bots.load(actor, botId, EDITOR);
      const { bytes, connector, mimeType } = await readUpload(file);
      const hash = sha256(bytes);
      await assertNew(bot.id, { sha256: hash }, "file");
      return create(bot.id, { kind: "DOCUMENT", connector: connector.name, name: file.name, mimeType, sizeBytes: bytes.length, sha256: hash }, bytes);
    },

    async addText(actor: Actor, botId: string, title: string, text: string): Promise<Source> {
      const bot = await bots.load(actor, botId, EDITOR);
      const bytes = new TextEncoder().encode(text);
      if (bytes.length > config.MAX_UPLOAD_BYTES)
        throw new AppError("REQUEST_ENTITY_TOO_LARGE", `The text is larger than ${config.MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES).`);
      const hash = sha256(bytes);
      await assertNew(bot.id, { sha256: hash }, "text");
      return create(bot.id, { kind: "TEXT", connector: "text", name: title, title, mimeType: "text/plain", sizeBytes: bytes.length, sha256: hash }, bytes);
    },

    async addLink(actor: Actor, botId: string, input: LinkInput): Promise<Source> {
      const bot = await bots.load(actor, botId, EDITOR);
      const { url, options } = linkOptions(input);
      await assertNew(bot.id, { url }, "url");
      const schedule = input.schedule === undefined ? bot.linkSchedule : validSchedule(input.schedule);
      return create(bot.id, { kind: "LINK", connector: "web", name: url, url, options: options as Prisma.InputJsonObject, ...scheduled(schedule) }, null);
    },

    /** Replaces a source's file, text, URL or title; the old chunks serve until the new ones are ready. */
    async update(
      actor: Actor,
      sourceId: string,
      input: { file?: Upload | null; text?: string | null; link?: LinkInput | null; title?: string | null },
    ): Promise<Source> {
      const source = await load(actor, sourceId);
      const given = [input.file, input.text, input.link].filter((v) => v != null).length;
      if (given > 1) throw badInput("Give one of file, text or link.");
      let data: Prisma.SourceUpdateInput = {};
      let bytes: Uint8Array<ArrayBuffer> | null = null;
      if (input.file) {
        if (source.kind !== "DOCUMENT") throw badInput("Only a document source takes a new file.", "file");
        const upload = await readUpload(input.file);
        bytes = upload.bytes;
        const hash = sha256(bytes);
        await assertNew(source.botId, { sha256: hash }, "file", source.id);
        data = { connector: upload.connector.name, name: input.file.name, mimeType: upload.mimeType, sizeBytes: bytes.length, sha256: hash };
      } else if (input.text != null) {
        if (source.kind !== "TEXT") throw badInput("Only a text source takes new text.", "text");
        bytes = new TextEncoder().encode(input.text);
        const hash = sha256(bytes);
        await assertNew(source.botId, { sha256: hash }, "text", source.id);
        data = { sizeBytes: bytes.length, sha256: hash };
      } else if (input.link) {
        if (source.kind !== "LINK") throw badInput("Only a link source takes a new URL.", "link");
        const { url, options } = linkOptions(input.link);
        data = {
          name: url,
          url,
          options: options as Prisma.InputJsonObject,
          ...(input.link.schedule !== undefined && scheduled(validSchedule(input.link.schedule))),
        };
      }
      if (input.title != null) data = { ...data, title: input.title, ...(source.kind === "TEXT" && { name: input.title }) };
      const contentChanged = given > 0;
      const updated = await prisma.$transaction(async (tx) => {
        const row = await tx.source.update({ where: { id: source.id }, data });
        if (bytes) await writeFile(tx, source.id, bytes);
        return contentChanged ? requeue(row, tx) : row;
      });
      if (contentChanged) announce([updated]);
      return updated;
    },

    async delete(actor: Actor, sourceId: string): Promise<Source> {
      const source = await load(actor, sourceId);
      jobs.cancel(source.id);
      await prisma.source.delete({ where: { id: source.id } });
      events.publish({ botId: source.botId, sourceId: source.id, status: "DELETED" });
      return source;
    },

    /** Sets or clears when a link source is read again. */
    async schedule(actor: Actor, sourceId: string, schedule: string | null): Promise<Source> {
      const source = await load(actor, sourceId);
      if (source.kind !== "LINK") throw badInput("Only link sources are read again on a schedule: a document or a text does not change by itself.", "schedule");
      return prisma.source.update({ where: { id: source.id }, data: scheduled(validSchedule(schedule)) });
    },

    async resync(actor: Actor, sourceId: string): Promise<Source> {
      const source = await load(actor, sourceId);
      const updated = await prisma.$transaction((tx) => requeue(source, tx));
      announce([updated]);
      return updated;
    },

    /**
     * Queues again every source whose chunks another embedding model made:
     * their vectors and the questions' (from the model configured now) would
     * not compare. Until each is done, its old chunks still answer through
     * full-text search. Run at start-up; returns how many were queued.
     */
    async reembedStale(model: string): Promise<number> {
      // Sources synced before the model was recorded came from the model configured then: taken to be this one.
      await prisma.source.updateMany({ where: { embeddingModel: null, lastSyncedAt: { not: null } }, data: { embeddingModel: model } });
      const updated = await prisma.$transaction(async (tx) => {
        const stale = await tx.source.findMany({ where: { embeddingModel: { not: model }, syncStatus: { not: "PROCESSING" } } });
        return Promise.all(stale.map((source) => requeue(source, tx)));
      });
      announce(updated);
      return updated.length;
    },

    async resyncBot(actor: Actor, botId: string): Promise<number> {
      const bot = await bots.load(actor, botId, EDITOR);
      const updated = await prisma.$transaction(async (tx) => {
        const sources = await tx.source.findMany({ where: { botId: bot.id } });
        return Promise.all(sources.map((source) => requeue(source, tx)));
      });
      announce(updated);
      return updated.length;
    },
  };
}

export type SourceService = ReturnType<typeof createSourceService>;
