import { Ollama } from "ollama";

/**
 * An Ollama client whose requests end when `signal` aborts. The client's own
 * abort() would end every request it carries, so each call gets its own.
 */
export function ollamaClient(host: string, signal?: AbortSignal): Ollama {
  return new Ollama({
    host,
    fetch: (input, init) => fetch(input, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) }),
  });
}

/** What went wrong talking to Ollama, in words an operator can act on ("pull the model", or the server's own message). */
export function describeOllamaError(error: unknown, host: string, model: string, role: "chat" | "embedding", doing: string): string {
  const message = (error as Error).message ?? String(error);
  if ((error as { status_code?: number }).status_code === 404 || /not found/i.test(message)) {
    return `The ${role} model ${model} is not available in Ollama (run: ollama pull ${model}).`;
  }
  return `Ollama at ${host} could not ${doing}: ${message}`;
}
