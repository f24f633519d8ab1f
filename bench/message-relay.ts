/**
 * The floor under bench/handoff's delivery times: the least any server could
 * take on this machine to pass a message from one person to another. A
 * process that takes a message over HTTP (POST /send {to, text}) and writes
 * it to the websocket registered under `to`, with no GraphQL, no database,
 * no rights checked. bench/handoff sends the same messages through it and
 * through Parley.
 *
 *   node --import tsx bench/message-relay.ts      (prints its port)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

const sockets = new Map<string, WebSocket>();
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk: Buffer) => (body += chunk.toString()));
  request.on("end", () => {
    const { to, text } = JSON.parse(body) as { to: string; text: string };
    sockets.get(to)?.send(JSON.stringify({ text }));
    response.end("{}");
  });
});
const wss = new WebSocketServer({ server });
wss.on("connection", (socket, request) => {
  const id = new URL(request.url ?? "/", "http://relay").searchParams.get("id") ?? "";
  sockets.set(id, socket);
  socket.on("close", () => sockets.delete(id));
});

server.listen(0, "127.0.0.1", () => console.log((server.address() as AddressInfo).port));
process.on("SIGTERM", () => process.exit(0));
