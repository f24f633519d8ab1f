/** The widget's HTTP side: the script, and the chat page with its refusals and its CSP. */
import { get } from "node:http";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "@jest/globals";
import WebSocket from "ws";
import { signUp, type Account } from "./helpers/admin.js";
import { startApp, type TestApp } from "./helpers/app.js";
import { gqlRaw } from "./helpers/graphql.js";

let t: TestApp;
let admin: Account;

async function run(query: string, variables: Record<string, unknown>) {
  const result = await gqlRaw(t.url, query, variables, admin.headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

async function bot(name: string, input: Record<string, unknown>, activate = true): Promise<{ id: string; key: string }> {
  const id = (await run(`mutation($w: ID!, $n: String!) { createBot(input: { workspaceId: $w, name: $n }) { id } }`, { w: admin.workspaceId, n: name }))
    .createBot.id as string;
  await run(`mutation($b: ID!, $i: UpdateBotInput!) { updateBot(id: $b, input: $i) { id } }`, { b: id, i: input });
  if (activate) await run(`mutation($b: ID!) { activateBot(id: $b) { status } }`, { b: id });
  const key = (await run(`mutation($b: ID!) { createApiKey(botId: $b, name: "site") { secret } }`, { b: id })).createApiKey.secret as string;
  return { id, key };
}

const page = (id: string, key: string | undefined, headers: Record<string, string> = {}) =>
  fetch(`${t.url}/widget/${id}${key === undefined ? "" : `?api_key=${encodeURIComponent(key)}`}`, { headers });

function csp(response: Response): Record<string, string> {
  return Object.fromEntries(
    (response.headers.get("content-security-policy") ?? "").split(";").map((part) => {
      const [name, ...values] = part.trim().split(" ");
      return [name!, values.join(" ")];
    }),
  );
}

let shop: { id: string; key: string };
let open: { id: string; key: string };
let closed: { id: string; key: string };
let draft: { id: string; key: string };

beforeAll(async () => {
  t = await startApp();
  admin = await signUp(t.url);
  shop = await bot("Shop </script><script>alert(1)</script>", {
    allowedDomains: ["shop.example", "*.shop.example"],
    settings: { greeting: "Hi <b>there</b>", widgetTheme: { primaryColor: "#0b7a3e", position: "LEFT" } },
  });
  open = await bot("Open", { isPublic: true });
  closed = await bot("Closed", {});
  draft = await bot("Draft", { isPublic: true }, false);
});

describe("GET /widget.js", () => {
  it("serves the built script under its 30 KB gzipped budget, compressed, with an ETag", async () => {
    const response = await fetch(`${t.url}/widget.js`, { headers: { "accept-encoding": "gzip" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const raw = await fetch(`${t.url}/widget.js`, { headers: { "accept-encoding": "identity" } });
    const plain = Buffer.from(await raw.arrayBuffer());
    expect(raw.headers.get("content-encoding")).toBeNull();
    expect(plain.toString("utf8")).toContain("parley-config");
    // fetch decodes gzip itself; measure the wire size through a raw request instead.
    const gz = await new Promise<Buffer>((resolve, reject) => {
      get(`${t.url}/widget.js`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks)));
      }).on("error", reject);
    });
    expect(gunzipSync(gz).equals(plain)).toBe(true);
    expect(gz.length).toBeLessThan(30 * 1024);

    const etag = response.headers.get("etag")!;
    expect((await fetch(`${t.url}/widget.js`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });
});

describe("GET /widget/:botId", () => {
  it("serves the chat page to an allowed site, framable by the allowed domains only, with the bot's face", async () => {
    const response = await page(shop.id, shop.key, { referer: "https://www.shop.example/products" });
    expect(response.status).toBe(200);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const policy = csp(response);
    expect(policy["frame-ancestors"]).toBe("'self' http://shop.example:* https://shop.example:* http://*.shop.example:* https://*.shop.example:*");
    expect(policy["script-src"]).toBe("'self'");
    expect(policy["default-src"]).toBe("'none'");
    const html = await response.text();
    // The bot's name cannot close the script element that carries it, nor the title.
    expect(html).not.toContain("</script><script>alert(1)");
    expect(html).toContain("<title>Shop &#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;</title>");
    const json = /<script type="application\/json" id="parley-config">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual({
      botId: shop.id,
      apiKey: shop.key,
      endpoint: "/graphql",
      embedded: false,
      bot: {
        id: shop.id,
        name: "Shop </script><script>alert(1)</script>",
        title: "Shop </script><script>alert(1)</script>",
        greeting: "Hi <b>there</b>",
        primaryColor: "#0b7a3e",
        position: "left",
        language: "en",
        handoff: "NEVER",
        handoffWaitSeconds: 120,
        leadFields: ["NAME"],
      },
    });
    expect(html).toMatch(/<script src="\/widget\.js\?v=[0-9a-f]{16}" defer><\/script>/);
    // The page's style element carries the nonce its CSP names.
    const nonce = /style-src 'nonce-([^']+)'/.exec(response.headers.get("content-security-policy")!)![1];
    expect(html).toContain(`<style nonce="${nonce}">`);
  });

  it.each([
    ["a bot id that is not one", () => ["nope", shop.key, {}], 404, "There is no such chat."],
    ["no key", () => [shop.id, undefined, {}], 401, "The API key is missing, revoked or expired."],
    ["a wrong key", () => [shop.id, "pk_" + "x".repeat(43), {}], 401, "The API key is missing, revoked or expired."],
    ["another bot's key", () => [shop.id, open.key, {}], 403, "This API key belongs to another bot."],
    ["an inactive bot", () => [draft.id, draft.key, {}], 403, "This bot is not active."],
    [
      "a site not on the list",
      () => [shop.id, shop.key, { referer: "https://evil.example/" }],
      403,
      "This website (evil.example) is not one of the bot's allowed domains.",
    ],
    [
      "the bare domain under a wildcard only",
      () => [shop.id, shop.key, { referer: "https://notshop.example/" }],
      403,
      "This website (notshop.example) is not one of the bot's allowed domains.",
    ],
    ["no referer, for a bot with a list", () => [shop.id, shop.key, {}], 403, "This bot can only be used from its allowed websites."],
    ["no referer, for a bot that is not public", () => [closed.id, closed.key, {}], 403, "This bot can only be used from its allowed websites."],
    [
      "a site, for a bot that is not public and has no list",
      () => [closed.id, closed.key, { referer: "https://any.example/" }],
      403,
      "This website (any.example) is not one of the bot's allowed domains.",
    ],
  ] as const)("refuses %s with a page that says why", async (_name, args, status, reason) => {
    const [id, key, headers] = args() as [string, string | undefined, Record<string, string>];
    const response = await page(id, key, headers);
    expect(response.status).toBe(status);
    const html = await response.text();
    expect(html).toContain("This chat is not available here.");
    expect(html).toContain(`<p class="pw-reason">${reason.replace(/'/g, "&#39;")}</p>`);
    expect(html).not.toContain("parley-config");
    expect(csp(response)["frame-ancestors"]).toBeUndefined();
  });

  it("speaks the bot's widget language", async () => {
    const german = await bot("Gartenhelfer", { isPublic: true, settings: { widgetTheme: { language: "DE" } } });
    const response = await page(german.id, german.key);
    const html = await response.text();
    expect(html).toContain('<html lang="de">');
    const json = /<script type="application\/json" id="parley-config">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(json).bot.language).toBe("de");
    const face = await gqlRaw(t.url, `{ publicBot { language } }`, {}, { "x-api-key": german.key });
    expect(face.data).toEqual({ publicBot: { language: "de" } });
  });

  it("lets a public bot without a list be embedded anywhere or opened on its own", async () => {
    const alone = await page(open.id, open.key);
    expect(alone.status).toBe(200);
    expect(csp(alone)["frame-ancestors"]).toBe("*");
    expect((await page(open.id, open.key, { referer: "https://blog.example/" })).status).toBe(200);
  });

  it("records page loads in the bot's usage", async () => {
    await page(shop.id, shop.key, { referer: "https://shop.example/" });
    await page(shop.id, shop.key, { referer: "https://evil.example/" });
    await t.app.services.usage.flush();
    const rows = await t.app.services.db.prisma.apiKeyUsage.findMany({ where: { botId: shop.id, operation: "widgetPage" } });
    expect(rows.map((r) => r.errorCode).sort()).toEqual(expect.arrayContaining([null, "FORBIDDEN"]));
  });
});

describe("the widget page's own socket", () => {
  const connect = (origin: string, key: string) =>
    new Promise<number | "acknowledged">((resolve) => {
      const socket = new WebSocket(`${t.url.replace("http", "ws")}/graphql`, "graphql-transport-ws", { headers: { origin } });
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { apiKey: key } })));
      socket.on("message", (data) => {
        if (JSON.parse(String(data)).type === "connection_ack") {
          resolve("acknowledged");
          socket.close();
        }
      });
      socket.on("close", (code) => resolve(code));
    });

  it("comes from Parley's own origin, which the allow-list admits; other sites' pages are refused", async () => {
    expect(await connect(t.url, shop.key)).toBe("acknowledged");
    expect(await connect("https://www.shop.example", shop.key)).toBe("acknowledged");
    expect(await connect("https://evil.example", shop.key)).toBe(4403);
    // A look-alike of Parley's host on another port is another origin.
    expect(await connect(`http://127.0.0.1:${t.port + 1}`, shop.key)).toBe(4403);
  });
});
