import { describe, expect, it } from "@jest/globals";
import { graphql } from "./gql/index.js";
import { bearer, codeOf, SignUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gql } from "./helpers/graphql.js";

const LogIn = graphql(`
  mutation LogIn($email: String!, $password: String!) {
    logIn(email: $email, password: $password) {
      session {
        token
        expiresAt
      }
      user {
        email
      }
    }
  }
`);

const Me = graphql(`
  query Me {
    me {
      email
      memberships {
        role
        workspace {
          id
          name
          viewerRole
        }
      }
    }
  }
`);

const CreateBotFull = graphql(`
  mutation CreateBotFull($input: CreateBotInput!) {
    createBot(input: $input) {
      id
      name
      description
      isPublic
      allowedDomains
      status
      settings {
        chatModel
        temperature
        topK
        minSimilarity
        greeting
        widgetTheme {
          primaryColor
          position
          title
        }
      }
    }
  }
`);

const UpdateBot = graphql(`
  mutation UpdateBot($id: ID!, $input: UpdateBotInput!) {
    updateBot(id: $id, input: $input) {
      name
      description
      allowedDomains
      settings {
        topK
        greeting
        widgetTheme {
          primaryColor
          position
          title
        }
      }
    }
  }
`);

const CreatePrompt = graphql(`
  mutation CreatePrompt($botId: ID!, $input: CreatePromptInput!) {
    createPrompt(botId: $botId, input: $input) {
      id
      type
      order
      isActive
    }
  }
`);

const ReorderPrompts = graphql(`
  mutation ReorderPrompts($botId: ID!, $promptIds: [ID!]!) {
    reorderPrompts(botId: $botId, promptIds: $promptIds) {
      id
      order
    }
  }
`);

const CreateApiKey = graphql(`
  mutation CreateApiKey($botId: ID!, $name: String!) {
    createApiKey(botId: $botId, name: $name) {
      secret
      apiKey {
        id
        name
        prefix
        status
      }
      embedCode {
        iframe
        script
      }
    }
  }
`);

const RotateApiKey = graphql(`
  mutation RotateApiKey($id: ID!) {
    rotateApiKey(id: $id) {
      secret
      apiKey {
        prefix
        status
      }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      status
      isActive
      revokedAt
    }
  }
`);

const BotDetails = graphql(`
  query BotDetails($id: ID!) {
    bot(id: $id) {
      status
      prompts {
        totalCount
        edges {
          node {
            id
            type
            order
            isActive
            text
          }
        }
      }
      apiKeys {
        edges {
          node {
            name
            prefix
            status
            lastUsedAt
            expiresAt
          }
        }
      }
      sourceCounts {
        total
        synced
      }
      chunkCount
      embedCode {
        iframe
      }
    }
  }
`);

const StatusChange = graphql(`
  mutation Archive($id: ID!) {
    archiveBot(id: $id) {
      status
    }
  }
`);

const Activate = graphql(`
  mutation Activate($id: ID!) {
    activateBot(id: $id) {
      status
    }
  }
`);

const LogOut = graphql(`
  mutation LogOut {
    logOut
  }
`);

describe("the admin flow over HTTP", () => {
  it("signs up, logs in, creates a bot with prompts and keys, rotates and revokes a key, archives the bot", async () => {
    const { url, app } = await startApp({ PUBLIC_URL: "https://chat.example.org" });

    const signUp = await gql(url, SignUp, { email: "Ada@Example.com", password: "correct horse battery", workspaceName: "Acme" });
    expect(signUp.errors).toBeUndefined();
    expect(signUp.data!.signUp.user.email).toBe("ada@example.com");
    expect(signUp.data!.signUp.workspace).toMatchObject({ name: "Acme", viewerRole: "OWNER" });
    const workspaceId = signUp.data!.signUp.workspace!.id;

    // The token is stored only as a hash.
    const stored = await app.services.db.prisma.authToken.findMany();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).not.toContain(signUp.data!.signUp.session.token);
    expect(stored[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const user = await app.services.db.prisma.user.findFirstOrThrow();
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect(user.passwordHash).not.toContain("correct horse");

    const logIn = await gql(url, LogIn, { email: "ada@example.com", password: "correct horse battery" });
    expect(logIn.errors).toBeUndefined();
    const token = logIn.data!.logIn.session.token;
    expect(token).toMatch(/^pst_[\w-]{43}$/);
    const auth = bearer(token);

    const me = await gql(url, Me, {}, auth);
    expect(me.data!.me).toEqual({
      email: "ada@example.com",
      memberships: [{ role: "OWNER", workspace: { id: workspaceId, name: "Acme", viewerRole: "OWNER" } }],
    });

    const created = await gql(
      url,
      CreateBotFull,
      {
        input: {
          workspaceId,
          name: "  Helpdesk  ",
          description: "Answers support questions",
          isPublic: false,
          allowedDomains: ["https://WWW.Example.com/path", "*.acme.io", "localhost:3000", "www.example.com"],
          settings: { temperature: 0.3, topK: 6, minSimilarity: 0.25, greeting: "Hi!", widgetTheme: { primaryColor: "#1a73e8", position: "LEFT" } },
        },
      },
      auth,
    );
    expect(created.errors).toBeUndefined();
    const bot = created.data!.createBot;
    expect(bot).toMatchObject({
      name: "Helpdesk",
      status: "DRAFT",
      allowedDomains: ["www.example.com", "*.acme.io", "localhost"],
      settings: {
        chatModel: null,
        temperature: 0.3,
        topK: 6,
        minSimilarity: 0.25,
        greeting: "Hi!",
        widgetTheme: { primaryColor: "#1a73e8", position: "LEFT", title: null },
      },
    });

    // Theme fields left out keep their value (as the input type says); null resets one.
    const updated = await gql(
      url,
      UpdateBot,
      { id: bot.id, input: { description: null, settings: { topK: 8, widgetTheme: { position: "RIGHT", title: "Acme help" } } } },
      auth,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateBot).toMatchObject({
      name: "Helpdesk",
      description: null,
      allowedDomains: ["www.example.com", "*.acme.io", "localhost"],
      settings: { topK: 8, greeting: "Hi!", widgetTheme: { primaryColor: "#1a73e8", position: "RIGHT", title: "Acme help" } },
    });
    const reset = await gql(url, UpdateBot, { id: bot.id, input: { settings: { widgetTheme: { primaryColor: null } } } }, auth);
    expect(reset.data!.updateBot.settings.widgetTheme).toEqual({ primaryColor: null, position: "RIGHT", title: "Acme help" });

    const system1 = await gql(url, CreatePrompt, { botId: bot.id, input: { type: "SYSTEM", text: "You are Acme's helpdesk." } }, auth);
    const system2 = await gql(url, CreatePrompt, { botId: bot.id, input: { type: "SYSTEM", text: "Answer briefly." } }, auth);
    const template1 = await gql(url, CreatePrompt, { botId: bot.id, input: { type: "USER_TEMPLATE", text: "Context:\n{context}\n\nQ: {question}" } }, auth);
    const template2 = await gql(url, CreatePrompt, { botId: bot.id, input: { type: "USER_TEMPLATE", text: "{history}\n{question}" } }, auth);
    for (const r of [system1, system2, template1, template2]) expect(r.errors).toBeUndefined();
    expect([system1, system2].map((r) => r.data!.createPrompt.order)).toEqual([0, 1]);

    const reordered = await gql(
      url,
      ReorderPrompts,
      {
        botId: bot.id,
        promptIds: [system2.data!.createPrompt.id, system1.data!.createPrompt.id, template1.data!.createPrompt.id, template2.data!.createPrompt.id],
      },
      auth,
    );
    expect(reordered.errors).toBeUndefined();

    const key = await gql(url, CreateApiKey, { botId: bot.id, name: "website" }, auth);
    expect(key.errors).toBeUndefined();
    const issued = key.data!.createApiKey;
    expect(issued.secret).toMatch(/^pk_[\w-]{43}$/);
    expect(issued.apiKey).toMatchObject({ name: "website", status: "ACTIVE", prefix: issued.secret.slice(0, 11) });
    expect(issued.embedCode.iframe).toContain(`https://chat.example.org/widget/${bot.id}?api_key=${issued.secret}`);
    expect(issued.embedCode.script).toContain(`data-api-key="${issued.secret}"`);
    const keyRow = await app.services.db.prisma.apiKey.findFirstOrThrow();
    expect(JSON.stringify(keyRow)).not.toContain(issued.secret);
    expect((await app.services.apiKeys.findUsable(issued.secret))?.id).toBe(issued.apiKey.id);

    const details = await gql(url, BotDetails, { id: bot.id }, auth);
    expect(details.errors).toBeUndefined();
    const prompts = details.data!.bot.prompts.edges.map((e) => e.node);
    expect(details.data!.bot.prompts.totalCount).toBe(4);
    expect(prompts.map((p) => [p.type, p.text.slice(0, 12), p.isActive])).toEqual([
      ["SYSTEM", "Answer brief", true],
      ["SYSTEM", "You are Acme", true],
      // Creating the second template retired the first.
      ["USER_TEMPLATE", "Context:\n{co", false],
      ["USER_TEMPLATE", "{history}\n{q", true],
    ]);
    expect(details.data!.bot.apiKeys.edges.map((e) => e.node)).toEqual([
      { name: "website", prefix: issued.apiKey.prefix, status: "ACTIVE", lastUsedAt: null, expiresAt: null },
    ]);
    expect(details.data!.bot.sourceCounts).toEqual({ total: 0, synced: 0 });
    expect(details.data!.bot.chunkCount).toBe(0);
    expect(details.data!.bot.embedCode.iframe).toContain("api_key=YOUR_API_KEY");

    const rotated = await gql(url, RotateApiKey, { id: issued.apiKey.id }, auth);
    expect(rotated.errors).toBeUndefined();
    const newSecret = rotated.data!.rotateApiKey.secret;
    expect(newSecret).not.toBe(issued.secret);
    expect(await app.services.apiKeys.findUsable(issued.secret)).toBeNull();
    expect((await app.services.apiKeys.findUsable(newSecret))?.id).toBe(issued.apiKey.id);

    const revoked = await gql(url, RevokeApiKey, { id: issued.apiKey.id }, auth);
    expect(revoked.data!.revokeApiKey).toMatchObject({ status: "REVOKED", isActive: false });
    expect(revoked.data!.revokeApiKey.revokedAt).not.toBeNull();
    expect(await app.services.apiKeys.findUsable(newSecret)).toBeNull();

    expect((await gql(url, Activate, { id: bot.id }, auth)).data!.activateBot.status).toBe("ACTIVE");
    expect((await gql(url, StatusChange, { id: bot.id }, auth)).data!.archiveBot.status).toBe("ARCHIVED");
    expect((await gql(url, Activate, { id: bot.id }, auth)).data!.activateBot.status).toBe("ACTIVE");

    // Logging out ends that session only.
    expect((await gql(url, LogOut, {}, auth)).data!.logOut).toBe(true);
    const afterLogOut = await gql(url, Me, {}, auth);
    expect(codeOf(afterLogOut)).toBe("UNAUTHENTICATED");
    expect(afterLogOut.errors![0]!.message).toMatch(/not valid/);
    const stillIn = await gql(url, Me, {}, bearer(signUp.data!.signUp.session.token));
    expect(stillIn.data!.me.email).toBe("ada@example.com");

    // An expired session says so, rather than "not valid".
    await app.services.db.prisma.authToken.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await gql(url, Me, {}, bearer(signUp.data!.signUp.session.token));
    expect(codeOf(expired)).toBe("UNAUTHENTICATED");
    expect(expired.errors![0]!.message).toMatch(/expired/);
  });
});
