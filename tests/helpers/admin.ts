import { randomUUID } from "node:crypto";
import { expect } from "@jest/globals";
import { graphql } from "../gql/index.js";
import { gql, gqlRaw } from "./graphql.js";

export const SignUp = graphql(`
  mutation SignUp($email: String!, $password: String!, $workspaceName: String!) {
    signUp(email: $email, password: $password, workspaceName: $workspaceName) {
      session {
        token
        expiresAt
      }
      user {
        id
        email
      }
      workspace {
        id
        name
        viewerRole
      }
    }
  }
`);

export const CreateBot = graphql(`
  mutation CreateBot($input: CreateBotInput!) {
    createBot(input: $input) {
      id
      name
      status
      allowedDomains
    }
  }
`);

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface Account {
  token: string;
  userId: string;
  email: string;
  workspaceId: string;
  headers: Record<string, string>;
}

/** Signs a new user up (with their own workspace) and returns their session. */
export async function signUp(url: string, workspaceName = "Acme"): Promise<Account> {
  const email = `user-${randomUUID()}@example.com`;
  const result = await gql(url, SignUp, { email, password: "correct horse battery", workspaceName });
  expect(result.errors).toBeUndefined();
  const payload = result.data!.signUp;
  return {
    token: payload.session.token,
    userId: payload.user.id,
    email,
    workspaceId: payload.workspace!.id,
    headers: bearer(payload.session.token),
  };
}

export async function createBot(url: string, account: Account, name = "Helpdesk"): Promise<string> {
  const result = await gql(url, CreateBot, { input: { workspaceId: account.workspaceId, name } }, account.headers);
  expect(result.errors).toBeUndefined();
  return result.data!.createBot.id;
}

/** The `extensions.code` of a result's first error. */
export function codeOf(result: { errors?: readonly { extensions?: Record<string, unknown> }[] }): unknown {
  return result.errors?.[0]?.extensions?.code;
}

/** The owner invites `account` to their workspace with `role`, and `account` accepts: membership by consent. */
export async function invite(url: string, owner: Pick<Account, "headers" | "workspaceId">, account: Pick<Account, "headers" | "email">, role: string) {
  const invited = await gqlRaw(
    url,
    `mutation($w: ID!, $e: String!, $r: Role!) { inviteMember(workspaceId: $w, email: $e, role: $r) { token } }`,
    { w: owner.workspaceId, e: account.email, r: role },
    owner.headers,
  );
  expect(invited.errors).toBeUndefined();
  const accepted = await gqlRaw(
    url,
    `mutation($t: String!) { acceptInvitation(token: $t) { role user { email } } }`,
    { t: invited.data!.inviteMember.token },
    account.headers,
  );
  expect(accepted.errors).toBeUndefined();
  return accepted.data!.acceptInvitation as { role: string; user: { email: string } };
}
