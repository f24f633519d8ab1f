import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { Agent, fetch, type Response } from "undici";
import { ExtractionError, formatBytes, type ExtractContext } from "../types.js";

/** Addresses a server-side fetch must not reach unless allowed (SSRF). */
const privateRanges = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  privateRanges.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  privateRanges.addSubnet(network, prefix, "ipv6");
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (ownAddresses().has(canonical(address))) return true;
  if (family === 4) return privateRanges.check(address, "ipv4");
  // An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4) is checked as that IPv4 too.
  const carried = carriedIPv4(address);
  if (carried && (privateRanges.check(carried, "ipv4") || ownAddresses().has(carried))) return true;
  return privateRanges.check(address, "ipv6");
}

/** The 16 bytes of an IPv6 address (a dotted IPv4 tail included). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const groups = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/**
 * The IPv4 address an IPv6 one carries: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96 and 64:ff9b:1::/48,
 * which a NAT64 gateway translates to a.b.c.d), or 6to4 (2002:aabb:ccdd::).
 */
function carriedIPv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number) => b.slice(at, at + 4).join(".");
  if (zeros(0, 10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0))) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && (zeros(4, 12) || (b[4] === 0 && b[5] === 1))) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return undefined;
}

function canonical(address: string): string {
  return isIP(address) === 6 ? ipv6Bytes(address).join(",") : address;
}

let own: { at: number; addresses: Set<string> } | undefined;

/** This machine's own interface addresses (refreshed each minute): a page on the server's own public address is the server itself. */
function ownAddresses(): Set<string> {
  if (!own || Date.now() - own.at > 60_000) {
    const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => canonical(i.address)));
    own = { at: Date.now(), addresses: new Set(addresses) };
  }
  return own.addresses;
}

const refused = (host: string) =>
  new ExtractionError(`${host} is a private or local address, which Parley does not fetch (set ALLOW_PRIVATE_URLS=true to allow it).`);

/**
 * The address check runs in the socket's own DNS lookup, so the address
 * checked is the address connected to: a name that resolves differently on
 * a second lookup (DNS rebinding) cannot slip through.
 */
function guardedAgent(allowPrivate: boolean): Agent {
  return new Agent({
    connect: {
      lookup: (hostname, options, callback) => {
        dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
          if (error) return callback(error, "", 0);
          const allowed = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
          if (!allowed.length) return callback(refused(hostname), "", 0);
          if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
          return callback(null, allowed[0]!.address, allowed[0]!.family);
        });
      },
    },
  });
}

const agents = new Map<boolean, Agent>();

/** The HTTP agent a server-side request goes through: private addresses refused unless allowed, checked at connect time. */
export function guardedDispatcher(allowPrivate: boolean): Agent {
  let agent = agents.get(allowPrivate);
  if (!agent) agents.set(allowPrivate, (agent = guardedAgent(allowPrivate)));
  return agent;
}

export interface FetchedPage {
  url: string;
  contentType: string;
  body: string;
  /** The site answered 304 Not Modified to the conditions given: no body was read. */
  notModified?: boolean;
  etag?: string | null;
  lastModified?: string | null;
}

/** What the last fetch of a page said about its version (If-None-Match, If-Modified-Since). */
export interface FetchConditions {
  etag?: string | null;
  lastModified?: string | null;
}

/**
 * GETs a URL as a careful crawler: http(s) only, no private addresses unless
 * allowed, redirects followed by hand (each hop checked) up to a limit, a
 * time-out, a size cap read from the stream, and an allow-list of types.
 */
export async function fetchText(
  address: string,
  { signal, web }: Pick<ExtractContext, "signal" | "web">,
  accept: RegExp,
  conditions: FetchConditions = {},
): Promise<FetchedPage> {
  const agent = guardedDispatcher(web.allowPrivateUrls);
  let url = parseHttpUrl(address);
  for (let hop = 0; ; hop++) {
    // The socket lookup does not run for literal addresses: check them here.
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (!web.allowPrivateUrls && (isPrivateAddress(host) || host === "localhost")) throw refused(url.hostname);
    const timeout = AbortSignal.timeout(web.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: "manual",
        dispatcher: agent,
        signal: AbortSignal.any([signal, timeout]),
        headers: {
          "user-agent": "ParleyBot/0.1 (+https://github.com/parley)",
          accept: "text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.1",
          // Conditions apply to the address they were learnt at, not to a redirect's target.
          ...(hop === 0 && conditions.etag && { "if-none-match": conditions.etag }),
          ...(hop === 0 && conditions.lastModified && { "if-modified-since": conditions.lastModified }),
        },
      });
    } catch (error) {
      signal.throwIfAborted();
      if (timeout.aborted) throw new ExtractionError(`${url.href} did not answer within ${web.timeoutMs / 1000} s.`, { retryable: true, code: "FETCH_FAILED" });
      // undici wraps the socket's error (our refusal included) in "fetch failed".
      let cause = error as Error;
      while (!(cause instanceof ExtractionError) && cause.cause instanceof Error) cause = cause.cause;
      if (cause instanceof ExtractionError) throw cause;
      const code = (cause as NodeJS.ErrnoException).code;
      const permanent = code === "ENOTFOUND";
      throw new ExtractionError(`${url.href} could not be reached (${code ?? cause.message}).`, { retryable: !permanent, code: "FETCH_FAILED", cause });
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get("location")) {
      await response.body?.cancel();
      if (hop >= web.maxRedirects) throw new ExtractionError(`${address} redirects more than ${web.maxRedirects} times.`);
      url = parseHttpUrl(new URL(response.headers.get("location")!, url).href);
      continue;
    }
    const version = { etag: response.headers.get("etag"), lastModified: response.headers.get("last-modified") };
    if (response.status === 304) {
      await response.body?.cancel();
      return {
        url: url.href,
        contentType: "",
        body: "",
        notModified: true,
        etag: version.etag ?? conditions.etag,
        lastModified: version.lastModified ?? conditions.lastModified,
      };
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ExtractionError(`${url.href} answered ${response.status} ${response.statusText}.`, {
        retryable: response.status >= 500 || response.status === 429,
        code: "FETCH_FAILED",
        gone: response.status === 404 || response.status === 410,
      });
    }
    const contentType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!accept.test(contentType)) {
      await response.body?.cancel();
      throw new ExtractionError(`${url.href} is ${contentType || "of unknown type"}, not a web page.`);
    }
    const declared = Number(response.headers.get("content-length"));
    if (declared > web.maxBytes) {
      await response.body?.cancel();
      throw new ExtractionError(`${url.href} is larger than the ${formatBytes(web.maxBytes)} Parley reads per page.`, { code: "SOURCE_TOO_LARGE" });
    }
    return { url: url.href, contentType, body: await readCapped(response, url.href, web.maxBytes), ...version };
  }
}

async function readCapped(response: Response, url: string, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw new ExtractionError(`${url} is larger than the ${formatBytes(maxBytes)} Parley reads per page.`, { code: "SOURCE_TOO_LARGE" });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function parseHttpUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ExtractionError(`"${value}" is not a URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ExtractionError(`Only http and https links can be added, not ${url.protocol}`);
  if (url.username || url.password) throw new ExtractionError("Links with a user name or password in them are not fetched.");
  url.hash = "";
  return url;
}
