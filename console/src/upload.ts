import { session } from "./session.js";
import { REPLACE_DOCUMENT, UPLOAD_DOCUMENT } from "./operations.js";

export interface UploadOutcome {
  sourceId?: string;
  error?: string;
}

/**
 * Sends one file in a GraphQL multipart request with XMLHttpRequest, which
 * reports upload progress where fetch does not. `field` is the mutation's
 * root field, whose `id` is the source's.
 */
function sendFile(
  query: string,
  variables: Record<string, unknown>,
  field: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<UploadOutcome> {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set("map", JSON.stringify({ 0: ["variables.file"] }));
  form.set("0", file, file.name);
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/graphql");
    const { token } = session.get();
    if (token) request.setRequestHeader("authorization", `Bearer ${token}`);
    // Marks the request as not a plain form post (CSRF prevention).
    request.setRequestHeader("graphql-require-preflight", "1");
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onerror = () => resolve({ error: "Parley could not be reached." });
    request.onload = () => {
      try {
        const body = JSON.parse(request.responseText) as {
          data?: Record<string, { id: string } | null>;
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        const error = body.errors?.[0];
        if (error?.extensions?.code === "UNAUTHENTICATED") session.expire();
        resolve(error ? { error: error.message } : { sourceId: body.data?.[field]?.id });
      } catch {
        resolve({ error: `The upload failed (HTTP ${request.status}).` });
      }
    };
    request.send(form);
  });
}

/** Adds a document to a bot (`uploadDocument`). */
export function uploadDocument(botId: string, file: File, onProgress: (fraction: number) => void): Promise<UploadOutcome> {
  return sendFile(UPLOAD_DOCUMENT, { botId }, "uploadDocument", file, onProgress);
}

/** Gives a document source a new file (`updateSource`); its chunks keep answering until the new ones replace them. */
export function replaceDocument(sourceId: string, file: File, onProgress: (fraction: number) => void): Promise<UploadOutcome> {
  return sendFile(REPLACE_DOCUMENT, { id: sourceId }, "updateSource", file, onProgress);
}
