import { builder } from "./builder.js";
import { SourceKind, SyncStatus } from "./enums.js";

export const Source = builder.prismaObject("Source", {
  description: "Something a bot knows: an uploaded document, a web link or text.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The source's id." }),
    kind: t.expose("kind", { type: SourceKind, description: "Document, link or text." }),
    connector: t.exposeString("connector", { description: "The connector that reads it (pdf, docx, text, web)." }),
    name: t.exposeString("name", { description: "File name, URL or given title." }),
    title: t.exposeString("title", { nullable: true, description: "Title found in the content." }),
    url: t.exposeString("url", { nullable: true, description: "For links: the address." }),
    mimeType: t.exposeString("mimeType", { nullable: true, description: "For documents: the media type." }),
    sizeBytes: t.exposeInt("sizeBytes", { nullable: true, description: "For documents: the file size." }),
    syncStatus: t.expose("syncStatus", { type: SyncStatus, description: "Where it is in ingestion." }),
    lastError: t.exposeString("lastError", { nullable: true, description: "Why the last ingestion failed." }),
    attempts: t.exposeInt("attempts", { description: "Ingestion attempts since the last success." }),
    chunkCount: t.exposeInt("chunkCount", { description: "Searchable chunks." }),
    lastSyncedAt: t.expose("lastSyncedAt", { type: "DateTime", nullable: true, description: "When it was last ingested." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was added." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});
