import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll } from "@jest/globals";

const servers = new Set<Server>();
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

export type Route = (
  url: URL,
  request: IncomingMessage,
) => { status?: number; type?: string; body?: string | Buffer; headers?: Record<string, string>; delayMs?: number };

/** A small website on loopback, port 0, closed when the test file ends. */
export async function serveSite(routes: Record<string, Route | string>): Promise<{ origin: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    hits.push(url.pathname);
    const route = routes[url.pathname];
    if (!route) {
      response.writeHead(404, { "content-type": "text/html" }).end("<h1>Not found</h1>");
      return;
    }
    const spec = typeof route === "string" ? { body: route } : route(url, request);
    const send = () => {
      response.writeHead(spec.status ?? 200, { "content-type": spec.type ?? "text/html; charset=utf-8", ...spec.headers });
      response.end(spec.body ?? "");
    };
    if (spec.delayMs) setTimeout(send, spec.delayMs).unref();
    else send();
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}
