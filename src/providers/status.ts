import { ollamaClient } from "./ollama.js";
import type { Config } from "../config.js";

export interface ProviderStatus {
  /** "ollama" or "embedded" (runs in-process, needs no server). */
  provider: "ollama" | "embedded";
  model: string;
  ok: boolean;
  /** Why ok is false, in words an operator can act on. */
  message?: string;
}

export interface ModelProvidersStatus {
  embedding: ProviderStatus;
  chat: ProviderStatus;
}

/** The embedded providers' model names, as stored on messages and shown in /health. */
export type EmbeddedEmbedderKind = "words" | "lexical";
export const embeddedEmbeddingModel = (kind: EmbeddedEmbedderKind, dimension: number) => `parley-${kind}-${dimension}`;
export const EMBEDDED_CHAT_MODEL = "parley-extractive";

/**
 * Reports whether the configured model providers can serve requests: for
 * Ollama, that the server answers and has the configured models pulled.
 */
export async function checkModelProviders(config: Config, timeoutMs = 2000): Promise<ModelProvidersStatus> {
  if (!config.OLLAMA_BASE_URL) {
    return {
      embedding: { provider: "embedded", model: embeddedEmbeddingModel(config.EMBEDDED_EMBEDDER, config.EMBEDDING_DIMENSION), ok: true },
      chat: { provider: "embedded", model: EMBEDDED_CHAT_MODEL, ok: true },
    };
  }
  const ollama = ollamaClient(config.OLLAMA_BASE_URL, AbortSignal.timeout(timeoutMs));
  const models = [config.EMBEDDING_MODEL, config.CHAT_MODEL];
  let pulled: Set<string>;
  try {
    const { models: list } = await ollama.list();
    pulled = new Set(list.flatMap((m) => [m.name, m.model, m.name.replace(/:latest$/, "")]));
  } catch (error) {
    const message = `Ollama at ${config.OLLAMA_BASE_URL} is unreachable: ${(error as Error).message}`;
    const [embedding, chat] = models.map((model) => ({ provider: "ollama" as const, model, ok: false, message }));
    return { embedding: embedding!, chat: chat! };
  }
  const status = (model: string): ProviderStatus =>
    pulled.has(model) || pulled.has(`${model}:latest`)
      ? { provider: "ollama", model, ok: true }
      : { provider: "ollama", model, ok: false, message: `model ${model} is not pulled (run: ollama pull ${model})` };
  return { embedding: status(config.EMBEDDING_MODEL), chat: status(config.CHAT_MODEL) };
}
