import { GraphQLError, Kind, type ASTVisitor, type ExecutionArgs, type ExecutionResult, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Characters PostgreSQL's text cannot hold (NUL) or that are not text at all
 * (a lone UTF-16 surrogate): refused where they enter, in the document's
 * string literals and in the variables, over HTTP and websockets alike, so
 * that no question, name or search can fail a database statement.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first string inside a value (a variable's, recursively) that cannot be stored, with where it sits. */
export function unstorableString(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return UNSTORABLE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableString(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (isFile(value)) {
    return UNSTORABLE.test(value.name) ? `${path} (its file name)` : undefined;
  } else if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      const found = unstorableString(inner, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function isFile(value: unknown): value is { name: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<File>).arrayBuffer === "function" &&
    typeof (value as Partial<File>).name === "string"
  );
}

function refusal(where: string): GraphQLError {
  return new GraphQLError(`${where} contains a character that is not text (a NUL byte or a lone surrogate); remove it and try again.`, {
    extensions: { code: "BAD_USER_INPUT", field: where },
  });
}

function literalRule(context: ValidationContext): ASTVisitor {
  return {
    [Kind.STRING](node) {
      if (UNSTORABLE.test(node.value))
        context.reportError(new GraphQLError(refusal("A string in the document").message, { nodes: [node], extensions: { code: "BAD_USER_INPUT" } }));
    },
  };
}

/** Refuses documents and variables holding text the database cannot take (see UNSTORABLE). */
export function useTextInput(): Plugin {
  const check = (args: ExecutionArgs, stop: (result: ExecutionResult) => void) => {
    const where = unstorableString(args.variableValues ?? {}, "variables");
    if (where) stop({ errors: [refusal(`\`${where.replace(/^variables\./, "$")}\``)] });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(literalRule);
    },
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}
