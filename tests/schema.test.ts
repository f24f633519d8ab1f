import { describe, expect, it } from "@jest/globals";
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType } from "graphql";
import { schema } from "../src/schema/index.js";
import { signUp } from "./helpers/admin.js";
import { startApp } from "./helpers/app.js";
import { gqlRaw, wsClient, wsOnce } from "./helpers/graphql.js";
import { graphql } from "./gql/index.js";

describe("the schema", () => {
  it("describes every type, field, argument and enum value", () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || ["String", "Boolean", "Int", "Float", "ID"].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("query limits", () => {
  it("refuses a query deeper than MAX_QUERY_DEPTH before running it", async () => {
    const { url } = await startApp({ MAX_QUERY_DEPTH: "5" });
    const account = await signUp(url);
    const deep = `{ me { memberships { workspace { bots { edges { node { workspace { name } } } } } } } }`;
    const result = await gqlRaw(url, deep, {}, account.headers);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", maxDepth: 5 });
    expect(result.data ?? null).toBeNull();
    const shallow = await gqlRaw(url, `{ me { memberships { workspace { name } } } }`, {}, account.headers);
    expect(shallow.errors).toBeUndefined();
  });

  it("refuses a query whose nested pages could fetch too much, also through fragments", async () => {
    const { url } = await startApp({ MAX_QUERY_COST: "5000" });
    const account = await signUp(url);
    const wide = `
      query { bots(first: 100) { edges { node { ...B } } } }
      fragment B on Bot { prompts(first: 100) { edges { node { id text } } } }`;
    const result = await gqlRaw(url, wide, {}, account.headers);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", maxCost: 5000 });
    expect(result.errors?.[0]?.message).toMatch(/smaller pages/);
    const modest = `query { bots(first: 10) { edges { node { ...B } } } } fragment B on Bot { prompts(first: 10) { edges { node { id text } } } }`;
    expect((await gqlRaw(url, modest, {}, account.headers)).errors).toBeUndefined();
  });
});

describe("sessions over graphql-ws", () => {
  it("authenticates with connectionParams.authorization, and refuses without it", async () => {
    const { url } = await startApp();
    const account = await signUp(url);
    const Me = graphql(`query WsMe { me { email } }`);
    const signedIn = await wsOnce(wsClient(url, { authorization: `Bearer ${account.token}` }), Me);
    expect(signedIn.data?.me.email).toBe(account.email);
    const anonymous = await wsOnce(wsClient(url), Me);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
