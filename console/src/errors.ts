import { useMemo, useState, type FormEvent } from "react";
import type { CombinedError } from "urql";

/** A GraphQL error's stable code (`extensions.code`). */
export function codeOf(error: CombinedError | undefined): string | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.code;
  return typeof code === "string" ? code : undefined;
}

/** The message to show for a failed operation. */
export function messageOf(error: CombinedError | undefined): string | undefined {
  if (!error) return undefined;
  return error.graphQLErrors[0]?.message ?? "Parley could not be reached.";
}

/** The message for a failed operation when no form field shows it (see fieldErrors). */
export function messageOutsideFields(error: CombinedError | undefined): string | undefined {
  return Object.keys(fieldErrors(error)).length ? undefined : messageOf(error);
}

/**
 * Input errors by form field, for React Aria's `validationErrors`: the API
 * names the field (`extensions.field`, or a path in `extensions.issues` like
 * `input.settings.topK`); the form's fields are named by its last part.
 */
export function fieldErrors(error: CombinedError | undefined): Record<string, string> {
  if (!error) return NO_ERRORS;
  // The same object for the same error: React Aria shows a server error again whenever this object changes,
  // so a new one per render would bring back an error the person has since typed over.
  let errors = read.get(error);
  if (!errors) read.set(error, (errors = readFieldErrors(error)));
  return errors;
}

const NO_ERRORS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const read = new WeakMap<CombinedError, Record<string, string>>();

function readFieldErrors(error: CombinedError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const e of error.graphQLErrors) {
    const ext = e.extensions as { field?: string; issues?: { field: string; message: string }[] };
    const issues = ext.issues ?? (ext.field ? [{ field: ext.field, message: e.message }] : []);
    for (const issue of issues) {
      const name = issue.field
        .split(".")
        .filter((part) => !/^\d+$/.test(part))
        .at(-1);
      if (name) errors[name] ??= issue.message;
    }
  }
  return errors;
}

/**
 * A form's server errors for React Aria's `Form` (spread its answer on it):
 * each error holds until its field is typed in. React Aria clears a server
 * error only when the field commits (on blur), and until then the browser
 * refuses to submit: a password fixed and sent with Enter did nothing.
 */
export function useFieldErrors(error: CombinedError | undefined): {
  validationErrors: Record<string, string>;
  onInput: (event: FormEvent<HTMLFormElement>) => void;
} {
  const [edited, setEdited] = useState<{ error: CombinedError | undefined; fields: string[] }>({ error, fields: [] });
  const fields = edited.error === error ? edited.fields : [];
  const all = fieldErrors(error);
  const validationErrors = useMemo(
    () => (fields.length ? Object.fromEntries(Object.entries(all).filter(([name]) => !fields.includes(name))) : all),
    [all, fields],
  );
  const onInput = (event: FormEvent<HTMLFormElement>) => {
    const name = (event.target as HTMLInputElement).name;
    if (name && name in validationErrors) setEdited({ error, fields: [...fields, name] });
  };
  return { validationErrors, onInput };
}
