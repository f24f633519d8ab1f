import type { FormEvent } from "react";
import { Button, FieldError, Form, Input, Label, TextField } from "react-aria-components";
import { useMutation, useQuery } from "urql";
import { useLocation } from "wouter";
import { messageOf } from "../errors.js";
import { AcceptInvitation, InvitationPreview, LogIn, SignUp } from "../operations.js";
import { session, useSession } from "../session.js";
import { chooseWorkspace } from "../shell.js";
import { day } from "../dates.js";

/** The invitation's token: in the link's fragment, which browsers never send to a server. */
function tokenOfLink(): string {
  return decodeURIComponent(window.location.hash.slice(1));
}

/**
 * An invitation's page (`/admin/join#<token>`): what it offers, and the way
 * in: join with the account you are logged in with, or log in, or create
 * an account of the invited email (which joins at once).
 */
export function JoinPage() {
  const token = tokenOfLink();
  const { token: loggedIn } = useSession();
  const [{ data, error }] = useQuery({ query: InvitationPreview, variables: { token }, pause: !token });
  if (!token) return <p role="alert">This invitation link is incomplete: open the whole link you were sent.</p>;
  if (error) return <p role="alert">{messageOf(error)}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const invitation = data.invitation;
  return (
    <section className="auth" aria-labelledby="join-heading">
      <h1 id="join-heading">Join {invitation.workspaceName}</h1>
      <p>
        You are invited as {invitation.role === "ADMIN" ? "an" : "a"} {invitation.role.toLowerCase()}, with the account of {invitation.email}. The invitation
        expires on {day(invitation.expiresAt)}.
      </p>
      {loggedIn ? <Accept token={token} /> : <SignUpOrLogIn token={token} email={invitation.email} />}
    </section>
  );
}

function Accept({ token }: { token: string }) {
  const [result, accept] = useMutation(AcceptInvitation);
  const [, navigate] = useLocation();
  async function join() {
    const { data } = await accept({ token });
    if (!data) return;
    chooseWorkspace(data.acceptInvitation.workspace.id);
    navigate("/", { replace: true });
  }
  return (
    <>
      {result.error && <p role="alert">{messageOf(result.error)}</p>}
      <Button className="primary" onPress={join} isDisabled={result.fetching}>
        Join
      </Button>
    </>
  );
}

function SignUpOrLogIn({ token, email }: { token: string; email: string }) {
  const [signedUp, signUp] = useMutation(SignUp);
  const [loggedIn, logIn] = useMutation(LogIn);
  const [, navigate] = useLocation();
  const fields = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    return Object.fromEntries([...new FormData(event.currentTarget)].map(([k, v]) => [k, String(v)]));
  };
  async function create(event: FormEvent<HTMLFormElement>) {
    const { name = "", password = "" } = fields(event);
    const { data } = await signUp({ email, password, name: name || null, invitationToken: token });
    if (!data) return;
    chooseWorkspace(data.signUp.workspace?.id ?? null);
    session.begin(email, data.signUp);
    navigate("/", { replace: true });
  }
  async function enter(event: FormEvent<HTMLFormElement>) {
    const { password = "" } = fields(event);
    const { data } = await logIn({ email, password, deviceToken: session.deviceFor(email) });
    // Logged in, the page asks once more: join, or not.
    if (data) session.begin(email, data.logIn);
  }
  return (
    <div className="join-ways">
      <Form onSubmit={create} aria-label="Create your account and join">
        <h2>New to Parley?</h2>
        <TextField name="name" autoComplete="name">
          <Label>Your name</Label>
          <Input />
        </TextField>
        <TextField name="password" type="password" isRequired autoComplete="new-password" minLength={8}>
          <Label>Choose a password (at least 8 characters, hard to guess)</Label>
          <Input />
          <FieldError />
        </TextField>
        {signedUp.error && <p role="alert">{messageOf(signedUp.error)}</p>}
        <Button type="submit" className="primary" isDisabled={signedUp.fetching}>
          Create account and join
        </Button>
      </Form>
      <Form onSubmit={enter} aria-label="Log in to join">
        <h2>Have an account?</h2>
        <TextField name="password" type="password" isRequired autoComplete="current-password">
          <Label>Password of {email}</Label>
          <Input />
          <FieldError />
        </TextField>
        {loggedIn.error && <p role="alert">{messageOf(loggedIn.error)}</p>}
        <Button type="submit" isDisabled={loggedIn.fetching}>
          Log in
        </Button>
      </Form>
    </div>
  );
}
