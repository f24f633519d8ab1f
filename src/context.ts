import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { PrismaClient } from "@prisma/client";
import type { YogaInitialContext } from "graphql-yoga";
import type { AppServices } from "./services/index.js";

/** Who is calling. Admin users and API keys arrive with later issues. */
export type Viewer = { kind: "anonymous" };

/** The one context of every operation, over HTTP and over graphql-ws alike. */
export interface Context extends AppServices {
  readonly prisma: PrismaClient;
  readonly requestId: string;
  readonly transport: "http" | "websocket";
  /** Request headers (for websockets, those of the upgrade request). */
  readonly headers: Headers;
  /** graphql-ws `connection_init` payload; empty over HTTP. */
  readonly connectionParams: Readonly<Record<string, unknown>>;
  readonly viewer: Viewer;
}

/** What graphql-ws hands to Yoga's envelop in onSubscribe (see app.ts). */
export interface WebSocketInitialContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { request: IncomingMessage };
}

export type InitialContext = YogaInitialContext | (YogaInitialContext & WebSocketInitialContext);

function isWebSocket(initial: InitialContext): initial is YogaInitialContext & WebSocketInitialContext {
  return "extra" in initial && typeof initial.extra === "object" && initial.extra !== null && "request" in initial.extra;
}

function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

export function createContextFactory(services: AppServices) {
  return async function createContext(initial: InitialContext): Promise<Context> {
    const websocket = isWebSocket(initial);
    return {
      ...services,
      prisma: services.db.prisma,
      requestId: randomUUID(),
      transport: websocket ? "websocket" : "http",
      headers: websocket ? headersOf(initial.extra.request) : initial.request.headers,
      connectionParams: (websocket ? initial.connectionParams : undefined) ?? {},
      viewer: { kind: "anonymous" },
    };
  };
}
