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
  const errors: Record<string, string> = {};
  for (const e of error?.graphQLErrors ?? []) {
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
