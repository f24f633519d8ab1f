import { session } from "./session.js";
import { UPLOAD_DOCUMENT } from "./operations.js";

export interface UploadOutcome {
  sourceId?: string;
  error?: string;
}

/**
 * Uploads one file as `uploadDocument` (GraphQL multipart request) with
 * XMLHttpRequest, which reports upload progress where fetch does not.
 */
export function uploadDocument(botId: string, file: File, onProgress: (fraction: number) => void): Promise<UploadOutcome> {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query: UPLOAD_DOCUMENT, variables: { botId, file: null } }));
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
        const body = JSON.parse(request.responseText) as { data?: { uploadDocument?: { id: string } }; errors?: { message: string; extensions?: { code?: string } }[] };
        const error = body.errors?.[0];
        if (error?.extensions?.code === "UNAUTHENTICATED") session.expire();
        resolve(error ? { error: error.message } : { sourceId: body.data?.uploadDocument?.id });
      } catch {
        resolve({ error: `The upload failed (HTTP ${request.status}).` });
      }
    };
    request.send(form);
  });
}
