/**
 * The floor under bench/chat's token latency: the least any server could
 * add on this machine. A process that reads Ollama's NDJSON stream over HTTP
 * and writes each token to a websocket, with no GraphQL, no database, no
 * chat logic. bench/chat runs the same streams through it and through
 * Parley, so "Parley minus relay" is what Parley's own code costs.
 *
 *   node --import tsx bench/relay.ts <ollama url>      (prints its port)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

const ollama = process.argv[2]!;
const server = createServer();
const wss = new WebSocketServer({ server });
wss.on("connection", (socket) => {
  socket.on("message", () => {
    relay(socket).catch((error: Error) => socket.close(1011, error.message));
  });
});

async function relay(socket: WebSocket): Promise<void> {
  const response = await fetch(`${ollama}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "llama3.2", stream: true, messages: [{ role: "user", content: "relay" }] }),
  });
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as { message?: { content?: string }; done?: boolean };
      buffered = buffered.slice(newline + 1);
      if (line.done) socket.send(JSON.stringify({ done: true }));
      else socket.send(JSON.stringify({ text: line.message?.content ?? "" }));
    }
  }
}

server.listen(0, "127.0.0.1", () => console.log((server.address() as AddressInfo).port));
process.on("SIGTERM", () => process.exit(0));
