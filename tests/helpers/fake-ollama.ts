import { afterAll } from "@jest/globals";
import { startFakeOllama as start, type FakeOllama, type FakeOllamaOptions } from "../fake-ollama/server.js";

export { fakeEmbedding, type ChatScript, type FakeOllama, type FakeOllamaOptions } from "../fake-ollama/server.js";

const started = new Set<FakeOllama>();
afterAll(async () => {
  for (const server of started) await server.close();
});

/** The fake Ollama of tests/fake-ollama, closed when the test file ends. */
export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const server = await start(options);
  started.add(server);
  return server;
}
