import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { createGraphQLError, type CORSOptions, type Plugin } from "graphql-yoga";

/**
 * Headers a cross-site HTML form cannot send. Any one of them on a request
 * means the browser asked (preflight) before sending it, so the page that
 * sent it was allowed to.
 */
const PREFLIGHT_HEADERS = ["graphql-require-preflight", "x-graphql-yoga-csrf", "apollo-require-preflight", "x-api-key", "authorization"];

/** Bodies an HTML form can send across sites; Parley's API reads none of them. */
const FORM_BODY = /^\s*(application\/x-www-form-urlencoded|text\/plain)/i;

/**
 * Cross-site request forgery: a page on another site can make a browser send
 * a form (urlencoded, multipart or plain text) or a GET without asking.
 * Form-encoded and plain-text bodies are refused outright (415); multipart
 * uploads and GET requests must carry one of PREFLIGHT_HEADERS (Yoga's
 * CSRF-prevention plugin does the check; this gives its refusal a code).
 * JSON bodies always need a preflight, which CORS answers.
 */
export function useCsrfPrevention(): Plugin {
  const requirePreflight = useCSRFPrevention({ requestHeaders: PREFLIGHT_HEADERS });
  return {
    onRequestParse(payload) {
      if (FORM_BODY.test(payload.request.headers.get("content-type") ?? "")) {
        throw createGraphQLError("Send GraphQL requests as JSON (or multipart for uploads); form-encoded and plain-text bodies are refused.", {
          extensions: { code: "UNSUPPORTED_MEDIA_TYPE", http: { status: 415 } },
        });
      }
      try {
        return requirePreflight.onRequestParse?.(payload);
      } catch (error) {
        throw createGraphQLError(
          "Multipart and GET requests need a header a cross-site form cannot send: X-API-Key, Authorization, or GraphQL-Require-Preflight: 1.",
          { extensions: { code: "CSRF_PREVENTED", http: { status: 403 } }, originalError: error as Error },
        );
      }
    },
  };
}

/**
 * CORS for the API: any site may call it (the widget runs on customers'
 * sites, partners' scripts anywhere), but never with credentials. Parley
 * sets no cookies: admins send a bearer token, public clients an API key,
 * both as headers, so a credentialed cross-site request has nothing to carry
 * and is not allowed.
 */
export const corsOptions: CORSOptions = {
  origin: "*",
  credentials: false,
  methods: ["GET", "POST"],
  allowedHeaders: ["content-type", "accept", ...PREFLIGHT_HEADERS],
  exposedHeaders: ["retry-after"],
  maxAge: 600,
};
