import { spawn } from "node:child_process";
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../src/config.js";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 4000,
      DATA_DIR: "./data",
      CHUNK_SIZE: 1000,
      CHUNK_OVERLAP: 200,
      EMBEDDING_DIMENSION: 384,
      MAX_UPLOAD_BYTES: 25 * 1024 * 1024,
      ALLOW_PRIVATE_URLS: false,
      GRAPHIQL: true,
      INTROSPECTION: true,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.OLLAMA_BASE_URL).toBeUndefined();
    expect(config.dataDir).toMatch(/^\//);
  });

  it("documents every variable in the README's table and in .env.example", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    for (const name of CONFIG_VARIABLES) {
      expect(readme).toContain(`| \`${name}\` |`);
      expect(example).toMatch(new RegExp(`^#? ?${name}=`, "m"));
    }
  });

  it("treats empty values as unset and trims a trailing slash from OLLAMA_BASE_URL", () => {
    const config = loadConfig({ PORT: "", OLLAMA_BASE_URL: "http://ollama:11434/" });
    expect(config.PORT).toBe(4000);
    expect(config.OLLAMA_BASE_URL).toBe("http://ollama:11434");
  });

  it.each([
    [{ PORT: "abc" }, /PORT="abc": must be a number/],
    [{ PORT: "70000" }, /PORT="70000": must be at most 65535/],
    [{ CHUNK_SIZE: "1.5" }, /CHUNK_SIZE="1.5": must be a whole number/],
    [{ CHUNK_SIZE: "500", CHUNK_OVERLAP: "600" }, /CHUNK_OVERLAP="600": must be smaller than CHUNK_SIZE/],
    [{ DATABASE_URL: "mysql://localhost/db" }, /DATABASE_URL="mysql:\/\/localhost\/db": must be a postgres/],
    [{ OLLAMA_BASE_URL: "ftp://x" }, /OLLAMA_BASE_URL="ftp:\/\/x": must be an http\(s\) URL/],
    [{ GRAPHIQL: "maybe" }, /GRAPHIQL="maybe": must be true or false/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL="loud"/],
  ])("refuses %j, naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("never echoes a database password in its messages", () => {
    const messageFor = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("expected a ConfigError");
    };
    expect(messageFor({ DATABASE_URL: "mysql://u:secret@db/x" })).toMatch(/DATABASE_URL="mysql:\/\/u:\*\*\*@db\/x"/);
    expect(messageFor({ DATABASE_URL: "postgres://u:secret@db:notaport/x" })).toMatch(/DATABASE_URL="\(unparseable URL\)"/);
    expect(messageFor({ DATABASE_URL: "postgres://u:secret@db:notaport/x" })).not.toContain("secret");
  });

  it("stops start-up of the real server with a message naming the variable", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, NODE_OPTIONS: "", PORT: "not-a-port", DATA_DIR: "/nonexistent/never-created" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('PORT="not-a-port": must be a number');
  });
});
