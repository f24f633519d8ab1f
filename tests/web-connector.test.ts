import { networkInterfaces } from "node:os";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { createTextBudget, ExtractionError, type ExtractContext } from "../connectors/index.js";
import { isPrivateAddress } from "../connectors/web/fetch.js";
import { web } from "../connectors/web/index.js";
import { parseRobots } from "../connectors/web/robots.js";
import { serveSite } from "./helpers/site.js";

const page = (title: string, body: string, links: string[] = []) => `<!doctype html><html><head><title>${title}</title>
  <script>var tracking = "should not be read";</script><style>body { color: red }</style></head><body>
  <header><nav>${links.map((l) => `<a href="${l}">${l}</a>`).join(" ")}</nav></header>
  <main>${body}</main><footer>Copyright Acme · <a href="/legal">Legal</a></footer></body></html>`;

let origin: string;
let hits: string[];

beforeAll(async () => {
  const site = await serveSite({
    "/": page("Acme Help", "<h1>Welcome</h1><p>Acme sells lamps.</p>", ["/shipping", "/returns#top", "/logo.png", "https://elsewhere.example/x"]),
    "/shipping": page("Shipping", "<h2>Shipping</h2><p>We ship within 2 days.</p>", ["/", "/deep"]),
    "/returns": page("Returns", "<h2>Returns</h2><p>Returns are free for 30 days.</p>"),
    "/deep": page("Deep", "<p>Two links away.</p>"),
    "/legal": page("Legal", "<p>Legal text.</p>"),
    "/sitemap.xml": () => ({
      type: "application/xml",
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>${origin}/returns</loc></url><url><loc>${origin}/deep</loc></url><url><loc>https://other.example/x</loc></url></urlset>`,
    }),
    "/moved": () => ({ status: 301, headers: { location: "/returns" } }),
    "/loop": () => ({ status: 302, headers: { location: "/loop" } }),
    "/big": () => ({ body: `<p>${"x".repeat(300_000)}</p>` }),
    "/image": () => ({ type: "image/png", body: Buffer.from([0x89, 0x50]) }),
    "/slow": () => ({ body: "<p>late</p>", delayMs: 3000 }),
    "/empty": "<html><body><nav>menu</nav><script>x()</script></body></html>",
    "/plain": () => ({ type: "text/plain", body: "Plain words." }),
  });
  origin = site.origin;
  hits = site.hits;
});

const context = (overrides: Partial<ExtractContext["web"]> = {}): ExtractContext => ({
  signal: new AbortController().signal,
  budget: createTextBudget(64 * 1024 * 1024),
  web: { allowPrivateUrls: true, timeoutMs: 1000, maxBytes: 200_000, maxRedirects: 3, ...overrides },
});
const link = (path: string, options: Record<string, unknown> = {}) => ({ kind: "LINK" as const, name: path, url: `${origin}${path}`, options });

describe("web", () => {
  it("reads the main content and title of one page, without scripts, styles or navigation", async () => {
    const result = await web.extract(link("/"), context());
    expect(result.title).toBe("Acme Help");
    expect(result.sections).toEqual([{ heading: "Welcome", text: "# Welcome\nAcme sells lamps.", url: `${origin}/`, title: "Acme Help" }]);
  });

  it("crawls same-site links to a depth and a page limit", async () => {
    const result = await web.extract(link("/", { maxDepth: 1, maxPages: 10 }), context());
    const urls = [...new Set(result.sections.map((s) => s.url))];
    expect(urls).toEqual([`${origin}/`, `${origin}/shipping`, `${origin}/returns`, `${origin}/legal`]);
    expect(result.sections.find((s) => s.url === `${origin}/returns`)!.text).toContain("Returns are free for 30 days.");

    const deeper = await web.extract(link("/", { maxDepth: 2, maxPages: 2 }), context());
    expect(new Set(deeper.sections.map((s) => s.url)).size).toBe(2);
  });

  it("reads the pages a sitemap lists, on the same site only", async () => {
    const result = await web.extract(link("/", { sitemap: true }), context());
    expect([...new Set(result.sections.map((s) => s.url))]).toEqual([`${origin}/returns`, `${origin}/deep`]);
  });

  it("follows a redirect and reads plain text pages", async () => {
    expect((await web.extract(link("/moved"), context())).sections[0]!.url).toBe(`${origin}/returns`);
    expect((await web.extract(link("/plain"), context())).sections[0]!.text).toBe("Plain words.");
  });

  it.each([
    ["a page that is not there", "/missing", {}, /answered 404/, false],
    ["a redirect loop", "/loop", {}, /redirects more than 3 times/, false],
    ["a page over the size cap", "/big", {}, /larger than the 195 KB/, false],
    ["an image", "/image", {}, /is image\/png, not a web page/, false],
    ["a page that answers too late", "/slow", {}, /did not answer within 1 s/, true],
    ["a page with no text", "/empty", {}, /no readable text/, false],
  ])("refuses %s with a clear message", async (_what, path, options, message, retryable) => {
    const error = await web.extract(link(path, options), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    expect((error as Error).message).toMatch(message);
    expect((error as ExtractionError).retryable).toBe(retryable);
  });

  it("refuses non-http links and credentials in URLs", async () => {
    await expect(web.extract({ kind: "LINK", name: "x", url: "ftp://example.com/file" }, context())).rejects.toThrow(/Only http and https/);
    await expect(web.extract({ kind: "LINK", name: "x", url: "file:///etc/passwd" }, context())).rejects.toThrow(/Only http and https/);
    await expect(web.extract({ kind: "LINK", name: "x", url: "http://user:pw@example.com/" }, context())).rejects.toThrow(/user name or password/);
  });

  it("refuses loopback and private addresses unless allowed (SSRF), by literal address or by name", async () => {
    const before = hits.length;
    const strict = context({ allowPrivateUrls: false });
    await expect(web.extract(link("/"), strict)).rejects.toThrow(/private or local address.*ALLOW_PRIVATE_URLS/);
    const byName = origin.replace("127.0.0.1", "localhost");
    await expect(web.extract({ kind: "LINK", name: "x", url: `${byName}/` }, strict)).rejects.toThrow(/private or local address/);
    await expect(web.extract({ kind: "LINK", name: "x", url: "http://[::1]:1/" }, strict)).rejects.toThrow(/private or local address/);
    await expect(web.extract({ kind: "LINK", name: "x", url: "http://169.254.169.254/latest/meta-data/" }, strict)).rejects.toThrow(/private or local address/);
    expect(hits.length).toBe(before);
  });

  it("classifies addresses", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1"]) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]) expect([a, isPrivateAddress(a)]).toEqual([a, false]);
  });

  it("sees the IPv4 an IPv6 address carries (NAT64, 6to4, compatible), and this machine's own addresses", async () => {
    for (const a of ["64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "64:ff9b:1::a00:1", "2002:7f00:1::", "2002:a9fe:a9fe::1", "::127.0.0.1"]) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    // A public address that reaches the public Internet through them stays fetchable.
    for (const a of ["64:ff9b::808:808", "2002:808:808::1"]) expect([a, isPrivateAddress(a)]).toEqual([a, false]);
    // Every address of this machine's interfaces, public ones included: the server itself.
    for (const a of Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)))
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    await expect(web.extract({ kind: "LINK", name: "x", url: "http://[64:ff9b::7f00:1]:1/" }, context({ allowPrivateUrls: false }))).rejects.toThrow(
      /private or local address/,
    );
  });
});

describe("robots.txt", () => {
  it("is read as RFC 9309 says: our group or else *, longest match, Allow on ties, * and $ wildcards", () => {
    const robots = parseRobots(`# comments are ignored
User-agent: *
Disallow: /

User-agent: SomeOtherBot
User-agent: ParleyBot
Disallow: /private
Allow: /private/ok
Disallow: /*.pdf$
Disallow: /tmp/
Allow: /tmp/
Disallow:
`);
    const allows = (path: string) => robots.allows(new URL(path, "https://site.example"));
    expect(allows("/")).toBe(true);
    expect(allows("/private")).toBe(false);
    expect(allows("/private/secret")).toBe(false);
    expect(allows("/private/ok/page")).toBe(true);
    expect(allows("/docs/manual.pdf")).toBe(false);
    expect(allows("/docs/manual.pdf?download=1")).toBe(true);
    expect(allows("/tmp/x")).toBe(true);
    expect(allows("/robots.txt")).toBe(true);
    // Without a group of ours, the * group applies.
    expect(parseRobots("User-agent: *\nDisallow: /\n").allows(new URL("https://site.example/a"))).toBe(false);
    expect(parseRobots("User-agent: Googlebot\nDisallow: /\n").allows(new URL("https://site.example/a"))).toBe(true);
    expect(parseRobots("").allows(new URL("https://site.example/a"))).toBe(true);
  });

  it("keeps a crawl out of what the site disallows, and never asks for those pages", async () => {
    const site = await serveSite({
      "/robots.txt": () => ({ type: "text/plain", body: "User-agent: *\nDisallow: /private\nAllow: /private/ok\n" }),
      "/": page("Home", "<p>Home page.</p>", ["/private/secret", "/private/ok", "/public"]),
      "/private/secret": page("Secret", "<p>Do not read.</p>"),
      "/private/ok": page("Fine", "<p>Allowed after all.</p>"),
      "/public": page("Public", "<p>Public page.</p>"),
      "/sitemap.xml": () => ({
        type: "application/xml",
        body: `<urlset><url><loc>${siteOrigin}/private/secret</loc></url><url><loc>${siteOrigin}/public</loc></url></urlset>`,
      }),
    });
    const siteOrigin = site.origin;
    const crawl = await web.extract({ kind: "LINK", name: "home", url: `${site.origin}/`, options: { maxDepth: 1 } }, context());
    expect([...new Set(crawl.sections.map((s) => s.url))]).toEqual([`${site.origin}/`, `${site.origin}/private/ok`, `${site.origin}/public`]);
    const fromSitemap = await web.extract({ kind: "LINK", name: "home", url: `${site.origin}/`, options: { sitemap: true } }, context());
    expect([...new Set(fromSitemap.sections.map((s) => s.url))]).toEqual([`${site.origin}/public`]);
    expect(site.hits).not.toContain("/private/secret");
    expect(site.hits.filter((h) => h === "/robots.txt")).toHaveLength(2);

    // The one page a tenant names is read as asked, without consulting robots.txt.
    const single = await web.extract({ kind: "LINK", name: "secret", url: `${site.origin}/private/secret`, options: {} }, context());
    expect(single.sections[0]!.text).toContain("Do not read.");
  });

  it("stops a crawl at the first page when robots.txt cannot be fetched (5xx), and ignores a missing one", async () => {
    const broken = await serveSite({
      "/robots.txt": () => ({ status: 503 }),
      "/": page("Home", "<p>Home.</p>", ["/next"]),
      "/next": page("Next", "<p>Next.</p>"),
    });
    const crawl = await web.extract({ kind: "LINK", name: "home", url: `${broken.origin}/`, options: { maxDepth: 1 } }, context());
    expect([...new Set(crawl.sections.map((s) => s.url))]).toEqual([`${broken.origin}/`]);
    const missing = await serveSite({ "/": page("Home", "<p>Home.</p>", ["/next"]), "/next": page("Next", "<p>Next.</p>") });
    const full = await web.extract({ kind: "LINK", name: "home", url: `${missing.origin}/`, options: { maxDepth: 1 } }, context());
    expect([...new Set(full.sections.map((s) => s.url))]).toEqual([`${missing.origin}/`, `${missing.origin}/next`]);
  });

  it("asks only for what changed since a last read: a sitemap's older lastmod, a 304, or the same bytes cost no extraction", async () => {
    const lastRead = Date.parse("2026-11-01T00:00:00Z");
    let news = "<p>Sale on Friday.</p>";
    const site = await serveSite({
      "/sitemap.xml": () => ({
        type: "application/xml",
        body: `<urlset><url><loc>${siteOrigin}/old</loc><lastmod>2026-10-01</lastmod></url><url><loc>${siteOrigin}/news</loc><lastmod>2026-11-20</lastmod></url>
          <url><loc>${siteOrigin}/tagged</loc></url><url><loc>${siteOrigin}/same</loc></url></urlset>`,
      }),
      "/old": page("Old", "<p>Unchanged since October.</p>"),
      "/news": () => ({ body: page("News", news) }),
      "/tagged": (_url, request) =>
        request.headers["if-none-match"] === '"v1"'
          ? { status: 304, headers: { etag: '"v1"' } }
          : { body: page("Tagged", "<p>Tagged.</p>"), headers: { etag: '"v1"' } },
      "/same": page("Same", "<p>Same bytes.</p>"),
    });
    const siteOrigin = site.origin;
    const first = await web.extract({ kind: "LINK", name: "site", url: `${site.origin}/`, options: { sitemap: true } }, context());
    const known = Object.fromEntries(
      first.pages!.map((p) => [p.url, { etag: p.etag, lastModified: p.lastModified, bodyHash: p.bodyHash, links: p.links, fetchedAt: lastRead }]),
    );
    site.hits.length = 0;
    news = "<p>Sale on Saturday.</p>";
    const again = await web.extract({ kind: "LINK", name: "site", url: `${site.origin}/`, options: { sitemap: true } }, { ...context(), known });
    const outcome = Object.fromEntries(again.pages!.map((p) => [new URL(p.url).pathname, [p.outcome, p.requested]]));
    expect(outcome).toEqual({
      "/old": ["not-modified", false],
      "/news": ["fetched", true],
      "/tagged": ["not-modified", true],
      "/same": ["not-modified", true],
    });
    expect(site.hits.filter((h) => h !== "/sitemap.xml" && h !== "/robots.txt").sort()).toEqual(["/news", "/same", "/tagged"]);
    // Only the changed page's text comes back.
    expect([...new Set(again.sections.map((s) => s.url))]).toEqual([`${site.origin}/news`]);
  });
});
