import type { Prompt } from "@prisma/client";
import type { ChatMessage } from "../../providers/chat.js";
import type { RetrievedChunk } from "./passages.js";

export const DEFAULT_SYSTEM_PROMPT = (botName: string) =>
  `You are ${botName}, an assistant that answers questions using only the numbered context passages you are given. ` +
  `Cite passages like [1]. If the context does not contain the answer, say that you do not know; never invent facts.`;

export const DEFAULT_USER_TEMPLATE = "Context:\n{context}\n\nQuestion: {question}";

/** A rough token count (about four characters a token), for budgets. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function formatContext(chunks: RetrievedChunk[]): string {
  if (!chunks.length) return "(no relevant passages were found)";
  return chunks
    .map((chunk, i) => {
      const where = [chunk.metadata.title ?? chunk.metadata.source, chunk.metadata.page && `page ${chunk.metadata.page}`, chunk.metadata.url]
        .filter(Boolean)
        .join(", ");
      return `[${i + 1}] (${where})\n${chunk.content}`;
    })
    .join("\n\n");
}

/** The most recent turns that fit in `budget` tokens, oldest first. */
export function recentTurns(history: ChatMessage[], budget: number): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    used += estimateTokens(history[i]!.content);
    if (used > budget) break;
    kept.unshift(history[i]!);
  }
  return kept;
}

/**
 * The messages sent to the model: the bot's active system prompts in order
 * (or a default), the conversation so far, and the question wrapped in the
 * bot's user template with the retrieved context. A template with
 * {history} gets the turns inline; otherwise they go as chat messages.
 */
export function assemblePrompt({
  botName,
  prompts,
  question,
  context,
  history,
  historyBudget,
}: {
  botName: string;
  prompts: Prompt[];
  question: string;
  context: RetrievedChunk[];
  history: ChatMessage[];
  historyBudget: number;
}): ChatMessage[] {
  const active = prompts.filter((p) => p.isActive).sort((a, b) => a.order - b.order);
  const system = active.filter((p) => p.type === "SYSTEM").map((p) => p.text);
  const template = active.find((p) => p.type === "USER_TEMPLATE")?.text ?? DEFAULT_USER_TEMPLATE;
  const turns = recentTurns(history, historyBudget);
  const inlineHistory = template.includes("{history}");
  const filled = template.replace(/\{(question|context|history)\}/g, (_, name: string) =>
    name === "question"
      ? question
      : name === "context"
        ? formatContext(context)
        : turns.map((t) => `${t.role === "user" ? "User" : "Assistant"}: ${t.content}`).join("\n"),
  );
  return [
    { role: "system", content: system.length ? system.join("\n\n") : DEFAULT_SYSTEM_PROMPT(botName) },
    ...(inlineHistory ? [] : turns),
    { role: "user", content: filled },
  ];
}
