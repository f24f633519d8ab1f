import { builder } from "./builder.js";

export const BotStatus = builder.enumType("BotStatus", {
  description: "Where a bot is in its life.",
  values: {
    DRAFT: { description: "Being set up; not reachable with API keys." },
    ACTIVE: { description: "Answering." },
    ARCHIVED: { description: "Retired; can be activated again." },
  } as const,
});

export const SourceKind = builder.enumType("SourceKind", {
  description: "What a source is.",
  values: {
    DOCUMENT: { description: "An uploaded file (PDF, DOCX, text)." },
    LINK: { description: "A web page, possibly crawled." },
    TEXT: { description: "Text entered directly." },
  } as const,
});

export const SyncStatus = builder.enumType("SyncStatus", {
  description: "Where a source is in ingestion.",
  values: {
    PENDING: { description: "Waiting for a worker." },
    PROCESSING: { description: "Being extracted, split and embedded." },
    SYNCED: { description: "Its chunks are searchable." },
    ERROR: { description: "Ingestion failed; see lastError. resyncSource retries." },
  } as const,
});

export const PromptType = builder.enumType("PromptType", {
  description: "How a prompt is used when answering.",
  values: {
    SYSTEM: { description: "Instructions to the model, in order." },
    USER_TEMPLATE: { description: "Wraps each question: must contain {question}, may contain {context} and {history}." },
  } as const,
});
