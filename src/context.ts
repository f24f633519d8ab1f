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

/** The client's address: X-Forwarded-For's first hop behind a trusted proxy, else the socket's peer. */
export function clientAddress(config: { TRUST_PROXY: boolean }, headers: Headers, socket: { remoteAddress?: string } | undefined): string | undefined {
  const forwarded = config.TRUST_PROXY ? headers.get("x-forwarded-for")?.split(",")[0]?.trim() : undefined;
  return forwarded || socket?.remoteAddress;
}

export function createContextFactory(services: AppServices) {
  return async function createContext(initial: InitialContext): Promise<Context> {
    const websocket = isWebSocket(initial);
    const headers = websocket ? headersOf(initial.extra.request) : initial.request.headers;
    const connectionParams = (websocket ? initial.connectionParams : undefined) ?? {};
    const token = bearerToken(headers, connectionParams);
    const socket = websocket ? initial.extra.request.socket : (initial as { req?: IncomingMessage }).req?.socket;
    const ip = clientAddress(services.config, headers, socket);
    // A member's session token; an API key's caller is the edge's to find (http/public-caller.ts).
    let viewer: Viewer = { kind: "anonymous" };
    if (token) {
      const result = await services.auth.authenticate(token);
      viewer = "actor" in result ? { kind: "user", actor: result.actor } : { kind: "anonymous", tokenProblem: result.error };
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
