import { useState, type FormEvent } from "react";
import { Button, Dialog, FieldError, Form, Heading, Input, Label, Modal, TextField } from "react-aria-components";
import { useMutation, type CombinedError } from "urql";
import { logInAgain } from "../client.js";
import { Link, useSearch } from "wouter";
import { fieldErrors, messageOf, useFieldErrors } from "../errors.js";
import { LogIn, SignUp } from "../operations.js";
import { session, useSession } from "../session.js";

/** The fields of a form, by name. */
function fieldsOf(event: FormEvent<HTMLFormElement>): Record<string, string> {
  event.preventDefault();
  return Object.fromEntries([...new FormData(event.currentTarget)].map(([k, v]) => [k, String(v)]));
}

function Field({
  name,
  label,
  type = "text",
  autoComplete,
  minLength,
}: {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  minLength?: number;
}) {
  return (
    <TextField name={name} type={type} isRequired autoComplete={autoComplete} minLength={minLength}>
      <Label>{label}</Label>
      <Input />
      <FieldError />
    </TextField>
  );
}

/** The page asked for before log-in (`?next=`) goes along between log-in and sign-up. */
function useKeptSearch(): string {
  const search = useSearch();
  return search ? `?${search}` : "";
}

export function LogInPage() {
  const { notice } = useSession();
  const kept = useKeptSearch();
  const [result, logIn] = useMutation(LogIn);
  async function submit(event: FormEvent<HTMLFormElement>) {
    const { email = "", password = "" } = fieldsOf(event);
    const { data } = await logIn({ email, password, deviceToken: session.deviceFor(email) });
    if (data) session.begin(email, data.logIn);
  }
  return (
    <section className="auth">
      <h1>Log in to Parley</h1>
      {notice && <p role="status">{notice}</p>}
      <Form onSubmit={submit}>
        <Field name="email" label="Email" type="email" autoComplete="username" />
        <Field name="password" label="Password" type="password" autoComplete="current-password" />
        {result.error && <p role="alert">{messageOf(result.error)}</p>}
        <Button type="submit" isDisabled={result.fetching}>
          Log in
        </Button>
      </Form>
      <p>
        New here? <Link href={`/signup${kept}`}>Create an account</Link>
      </p>
    </section>
  );
}

/**
 * Over the page where the session ended: the same user logs in again and
 * goes on with what they had typed, and the request that failed is sent
 * again by itself. Anyone else logs out first.
 */
export function LogInAgain({ email }: { email: string }) {
  const [result, setResult] = useState<{ fetching: boolean; error?: CombinedError }>({ fetching: false });
  async function submit(event: FormEvent<HTMLFormElement>) {
    const { password = "" } = fieldsOf(event);
    setResult({ fetching: true });
    // Past the requests held meanwhile: they are sent again once this succeeds.
    const { data, error } = await logInAgain({ email, password, deviceToken: session.deviceFor(email) });
    setResult({ fetching: false, error });
    if (data) session.begin(email, data.logIn);
  }
  return (
    <Modal isOpen isDismissable={false} isKeyboardDismissDisabled>
      <Dialog role="alertdialog">
        <Heading slot="title">Your session has ended</Heading>
        <p>Log in again to go on: what you typed on this page is kept.</p>
        <Form onSubmit={submit}>
          <TextField name="email" value={email} isReadOnly>
            <Label>Email</Label>
            <Input />
          </TextField>
          <Field name="password" label="Password" type="password" autoComplete="current-password" />
          {result.error && <p role="alert">{messageOf(result.error)}</p>}
          <div className="actions">
            <Button type="submit" className="primary" isDisabled={result.fetching}>
              Log in
            </Button>
            <Button onPress={() => session.end()}>Log out instead</Button>
          </div>
        </Form>
      </Dialog>
    </Modal>
  );
}

export function SignUpPage() {
  const [result, signUp] = useMutation(SignUp);
  const kept = useKeptSearch();
  const [email, setEmail] = useState("");
  async function submit(event: FormEvent<HTMLFormElement>) {
    const fields = fieldsOf(event);
    setEmail(fields.email ?? "");
    const { data } = await signUp({
      email: fields.email ?? "",
      password: fields.password ?? "",
      name: fields.name || null,
      workspaceName: fields.workspaceName ?? "",
    });
    if (data) session.begin(fields.email ?? "", data.signUp);
  }
  return (
    <section className="auth">
      <h1>Create your Parley account</h1>
      <Form onSubmit={submit} {...useFieldErrors(result.error)}>
        <Field name="email" label="Email" type="email" autoComplete="username" />
        <TextField name="name" autoComplete="name">
          <Label>Your name</Label>
          <Input />
        </TextField>
        <Field name="password" label="Password (at least 8 characters, hard to guess)" type="password" autoComplete="new-password" minLength={8} />
        <Field name="workspaceName" label="Your business (the first workspace)" />
        {result.error && !Object.keys(fieldErrors(result.error)).length && (
          <p role="alert">{result.error.graphQLErrors[0]?.message ?? `Parley could not be reached to sign ${email} up.`}</p>
        )}
        <Button type="submit" isDisabled={result.fetching}>
          Create account
        </Button>
      </Form>
      <p>
        Already have an account? <Link href={`/login${kept}`}>Log in</Link>
      </p>
    </section>
  );
}
