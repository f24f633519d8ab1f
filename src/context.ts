import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { PrismaClient } from "@prisma/client";
import type { YogaInitialContext } from "graphql-yoga";
import type { Actor } from "./services/access/access.js";
import type { AppServices } from "./services/index.js";
import { createLoaders, type Loaders } from "./services/loaders.js";
import type { KeyProblem, PublicCaller } from "./services/tenancy/public-access.js";

/**
 * Who is calling. A bad or expired token does not fail the whole request:
 * public fields still answer, and fields that need a user say why they refuse.
 */
export type Viewer =
  | { kind: "anonymous"; tokenProblem?: "expired" | "invalid"; keyProblem?: KeyProblem }
  | { kind: "user"; actor: Actor }
  /** A public client (the widget, a partner's script) holding one bot's API key. */
  | ({ kind: "apiKey" } & PublicCaller);

/** The one context of every operation, over HTTP and over graphql-ws alike. */
export interface Context extends AppServices {
  readonly prisma: PrismaClient;
  readonly requestId: string;
  readonly transport: "http" | "websocket";
  /** Request headers (for websockets, those of the upgrade request). */
  readonly headers: Headers;
  /** graphql-ws `connection_init` payload; empty over HTTP. */
  readonly connectionParams: Readonly<Record<string, unknown>>;
  /** Who is calling; a request that logs in (signUp, logIn) reads the rest as its new user (see schema/builder.ts signIn). */
  viewer: Viewer;
  readonly loaders: Loaders;
  /** The client's address (X-Forwarded-For's first hop when TRUST_PROXY=true). */
  readonly ip: string | undefined;
}

/** An API key's caller as the socket's opening found it, and when (see http/websocket.ts). */
export interface ConnectionViewer {
  viewer: Viewer;
  at: number;
}

/** What graphql-ws hands to Yoga's envelop in onSubscribe (see http/websocket.ts). */
export interface WebSocketInitialContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { request: IncomingMessage; connectionViewer?: ConnectionViewer };
}

export type InitialContext = YogaInitialContext | (YogaInitialContext & WebSocketInitialContext);

function isWebSocket(initial: InitialContext): initial is YogaInitialContext & WebSocketInitialContext {
  return "extra" in initial && typeof initial.extra === "object" && initial.extra !== null && "request" in initial.extra;
}

export function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * The admin bearer token: `Authorization: Bearer …` over HTTP; over
 * websockets, browsers cannot set headers, so `connectionParams.authorization`
 * (with or without "Bearer ") is read too.
 */
export function bearerToken(headers: Headers, connectionParams: Readonly<Record<string, unknown>>): string | undefined {
  const fromParams = connectionParams.authorization ?? connectionParams.Authorization;
  const raw = headers.get("authorization") ?? (typeof fromParams === "string" ? fromParams : undefined);
  if (!raw) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(raw.trim());
  return match ? match[1] : raw.trim() || undefined;
}

/** The public API key: `X-API-Key` over HTTP, `connectionParams.apiKey` over websockets, or `?api_key=` (the widget page). */
export function apiKeyOf(headers: Headers, connectionParams: Readonly<Record<string, unknown>>, url: string | undefined): string | undefined {
  const fromParams = connectionParams.apiKey;
  if (typeof fromParams === "string" && fromParams) return fromParams;
  const header = headers.get("x-api-key");
  if (header) return header.trim();
  if (!url) return undefined;
  try {
    return new URL(url, "http://localhost").searchParams.get("api_key") ?? undefined;
  } catch {
    return undefined;
  }
}

/** The viewer an API key makes, or why it makes none (see services/tenancy/public-access.ts). */
export async function apiKeyViewer(
  services: Pick<AppServices, "publicAccess">,
  secret: string,
  request: { headers: Headers; ip: string | undefined },
): Promise<Viewer> {
  const caller = await services.publicAccess.authenticate(secret, request);
  return "problem" in caller ? { kind: "anonymous", keyProblem: caller.problem } : { kind: "apiKey", ...caller };
}

/** The client's address: X-Forwarded-For's first hop behind a trusted proxy, else the socket's peer. */
export function clientAddress(config: { TRUST_PROXY: boolean }, headers: Headers, socket: { remoteAddress?: string } | undefined): string | undefined {
  const forwarded = config.TRUST_PROXY ? headers.get("x-forwarded-for")?.split(",")[0]?.trim() : undefined;
  return forwarded || socket?.remoteAddress;
}

/**
 * The caller the socket's opening authenticated, for its operations within
 * the window in which open streams' rights are checked again anyway
 * (LIVE_ACCESS_CHECK_MS): the widget opens its socket for the first question,
 * which then costs one key lookup, not two. Later operations look the key up
 * again, so a revoked key or a changed bot counts from the next one.
 */
function recentViewer(extra: WebSocketInitialContext["extra"], windowMs: number): Viewer | undefined {
  const cached = extra.connectionViewer;
  return cached && Date.now() - cached.at < windowMs ? cached.viewer : undefined;
}

export function createContextFactory(services: AppServices) {
  return async function createContext(initial: InitialContext): Promise<Context> {
    const websocket = isWebSocket(initial);
    const headers = websocket ? headersOf(initial.extra.request) : initial.request.headers;
    const connectionParams = (websocket ? initial.connectionParams : undefined) ?? {};
    const token = bearerToken(headers, connectionParams);
    const apiKey = apiKeyOf(headers, connectionParams, websocket ? initial.extra.request.url : initial.request.url);
    const socket = websocket ? initial.extra.request.socket : (initial as { req?: IncomingMessage }).req?.socket;
    const ip = clientAddress(services.config, headers, socket);
    let viewer: Viewer = { kind: "anonymous" };
    if (token) {
      const result = await services.auth.authenticate(token);
      viewer = "actor" in result ? { kind: "user", actor: result.actor } : { kind: "anonymous", tokenProblem: result.error };
    } else if (apiKey) {
      viewer = (websocket && recentViewer(initial.extra, services.config.LIVE_ACCESS_CHECK_MS)) || (await apiKeyViewer(services, apiKey, { headers, ip }));
    }
    return {
      ...services,
      ip,
      prisma: services.db.prisma,
      requestId: randomUUID(),
      transport: websocket ? "websocket" : "http",
      headers,
      connectionParams,
      viewer,
      loaders: createLoaders(services.db.prisma),
    };
  };
}
