import { SOURCE_ERROR_CODES, type SourceErrorCode } from "../../connectors/index.js";
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

const sourceErrorCodes: Record<SourceErrorCode, string> = {
  EXTRACTION_FAILED: "The content could not be read: corrupt, protected, empty or unsupported.",
  SOURCE_TOO_LARGE: "It expands to more text, bytes or memory than Parley reads from one source (MAX_EXTRACTED_BYTES, EXTRACTION_HEAP_MB).",
  EXTRACTION_TIMEOUT: "Reading it took longer than EXTRACTION_TIMEOUT_MS.",
  EXTRACTION_CRASHED: "The reader of this source crashed; the file may be damaged.",
  FETCH_FAILED: "A web page could not be fetched.",
  EMBEDDING_FAILED: "The embedding model failed.",
  SERVER_STOPPED: "The server stopped while processing it (past the retries: it is not run again until resynced).",
  INTERNAL_ERROR: "Something else went wrong; details are in the server log.",
};

export const SourceErrorCodeEnum = builder.enumType("SourceErrorCode", {
  description: "Why a source's ingestion failed, for clients to act on; lastError says it in words.",
  values: Object.fromEntries(SOURCE_ERROR_CODES.map((code) => [code, { description: sourceErrorCodes[code] }])) as Record<
    SourceErrorCode,
    { description: string }
  >,
});

export const PromptType = builder.enumType("PromptType", {
  description: "How a prompt is used when answering.",
  values: {
    SYSTEM: { description: "Instructions to the model, in order." },
    USER_TEMPLATE: { description: "Wraps each question: must contain {question}, may contain {context} and {history}." },
  } as const,
});

export const HandoffState = builder.enumType("HandoffState", {
  description: "Who answers a conversation now.",
  values: {
    BOT: { description: "The bot." },
    WAITING: { description: "In the bot's queue, waiting for one of its operators." },
    PERSON: { description: "An operator holds it: the bot does not answer." },
  } as const,
});

export const HandoffMode = builder.enumType("HandoffMode", {
  description: "When a bot offers its visitors a person (one of its operators).",
  values: {
    NEVER: { description: "Never: the bot answers alone." },
    WHEN_UNANSWERED: { description: "When the bot cannot answer from its sources (ChatCompleted.offerPerson)." },
    ALWAYS: { description: "Always: the widget shows the button from the start." },
  } as const,
});

export const HandoffUnavailable = builder.enumType("HandoffUnavailable", {
  description: "Why no person can come now: the widget offers to leave a message (leaveMessage).",
  values: {
    OUTSIDE_HOURS: { description: "Outside the bot's business hours." },
    NOBODY_ONLINE: { description: "None of its operators is online." },
  } as const,
});

export const LeadField = builder.enumType("LeadField", {
  description: "An optional field of the message form (email and message are always asked).",
  values: { NAME: { description: "The visitor's name." }, PHONE: { description: "A phone number." } } as const,
});
