import { z } from "zod";

/**
 * Input rules shared by the GraphQL edge (plugin-zod `validate`) and anything
 * else that feeds the services. Transforms here normalize (trim, lower-case),
 * so what reaches a service is already clean.
 */

export const name = z.string().trim().min(1, { error: "must not be empty" }).max(200, { error: "must be at most 200 characters" });

export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `must be at most ${max} characters` });

export const email = z
  .string()
  .trim()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be an email address" }))
  .transform((v) => v.toLowerCase());

/** A secret token from a link or a client's storage: bounded, so nothing long reaches a hash. */
export const secretToken = z.string().trim().min(1, { error: "must not be empty" }).max(200, { error: "is not a token Parley issued" });
export const invitationToken = secretToken;

export const password = z.string().min(8, { error: "must be at least 8 characters" }).max(200, { error: "must be at most 200 characters" });

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * Normalizes one allowed domain: lower case, no scheme, path or port, no
 * trailing dot. Returns an error message instead when it is not a host name,
 * an IPv4 address or a `*.example.com` wildcard.
 */
export function normalizeDomain(raw: string): { domain: string } | { error: string } {
  let value = raw.trim().toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(value)) {
    try {
      value = new URL(value).hostname;
    } catch {
      return { error: `"${raw}" is not a host name` };
    }
  }
  value = value.replace(/\/.*$/, "").replace(/:\d+$/, "").replace(/\.$/, "");
  if (IPV4.test(value) || value === "localhost") return { domain: value };
  const wildcard = value.startsWith("*.");
  const host = wildcard ? value.slice(2) : value;
  const labels = host.split(".");
  if (host.length > 253 || !labels.every((l) => LABEL.test(l))) {
    return { error: `"${raw}" is not a host name or a *.example.com wildcard` };
  }
  if (wildcard && labels.length < 2) return { error: `"${raw}" is too broad: a wildcard must name a domain, like *.example.com` };
  return { domain: value };
}

export const allowedDomains = z
  .array(z.string())
  .max(100, { error: "at most 100 domains" })
  .transform((values, ctx) => {
    const out = new Set<string>();
    for (const value of values) {
      const result = normalizeDomain(value);
      if ("error" in result) ctx.addIssue({ code: "custom", message: result.error });
      else out.add(result.domain);
    }
    return [...out];
  });

export const temperature = z.number().min(0, { error: "must be between 0 and 2" }).max(2, { error: "must be between 0 and 2" });
export const topK = z.number().int().min(1, { error: "must be between 1 and 50" }).max(50, { error: "must be between 1 and 50" });
export const minSimilarity = z.number().min(-1, { error: "must be between -1 and 1" }).max(1, { error: "must be between -1 and 1" });
export const modelName = z
  .string()
  .trim()
  .max(200, { error: "must be at most 200 characters" })
  .regex(/^[\w.:/-]*$/, { error: "may contain letters, digits and . : / - _ only" });
export const waitSeconds = z.number().int().min(10, { error: "must be between 10 and 3600" }).max(3600, { error: "must be between 10 and 3600" });
export const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: "must be a colour like #1a73e8" });

export const PROMPT_PLACEHOLDERS = ["question", "context", "history"] as const;

/** What is wrong with a user template, or null when it is fine. */
export function userTemplateProblem(text: string): string | null {
  const used = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const unknown = used.filter((p) => !(PROMPT_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    return `unknown placeholder {${unknown[0]}}: a user template may use {question}, {context} and {history}`;
  }
  if (!used.includes("question")) return "a user template must contain {question}, where the visitor's question goes";
  return null;
}

export const promptText = z.string().trim().min(1, { error: "must not be empty" }).max(20_000, { error: "must be at most 20000 characters" });

export const idList = z.array(z.string()).max(500, { error: "at most 500 ids" });

export const sourceText = z.string().refine((t) => t.trim().length > 0, { error: "must not be empty" });
export const crawlDepth = z.number().int().min(0, { error: "must be between 0 and 5" }).max(5, { error: "must be between 0 and 5" });
export const crawlPages = z.number().int().min(1, { error: "must be between 1 and 1000" }).max(1000, { error: "must be between 1 and 1000" });
export const linkUrl = z.string().trim().min(1, { error: "must not be empty" }).max(2048, { error: "must be at most 2048 characters" });

/** A correction's other phrasings: at most 20, each a question's length. */
export const phrasings = z.array(z.string().max(1000, { error: "a phrasing must be at most 1000 characters" })).max(20, { error: "at most 20 phrasings" });

/** A CSV pasted or read from a file: at most 1 MB. */
export const csvText = z.string().max(1024 * 1024, { error: "must be at most 1 MB" });
