import { PothosValidationError } from "@pothos/core";
import { GraphQLError, type ExecutionResult } from "graphql";
import { maskError as yogaMaskError, type Plugin } from "graphql-yoga";
import { AppError } from "../services/errors.js";

/**
 * Yoga's error masking, taught about the services' expected failures: an
 * AppError reaches the client with its message and `extensions.code`;
 * anything else stays "Unexpected error." with the details only in logs.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof AppError) {
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(original.message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { ...original.details, code: original.code },
    });
  }
  // Pothos' own refusals of arguments (a negative page size, a cursor it did not make) are the client's mistake.
  const pothos = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (pothos instanceof PothosValidationError) {
    return new GraphQLError(pothos.message.slice(0, 200), {
      nodes: (error as GraphQLError).nodes,
      path: (error as GraphQLError).path,
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  // Errors built as GraphQLErrors on purpose (auth, validation) keep their code.
  if (error instanceof GraphQLError && !error.originalError && typeof error.extensions.code === "string") return error;
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError && typeof error.originalError.extensions.code === "string") {
    return new GraphQLError(error.originalError.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: error.originalError.extensions,
    });
  }
  return yogaMaskError(error, message, isDev);
}

/**
 * Whether an error is a client's mistake or a refusal (an AppError or a
 * GraphQL error with a code): worth a debug line, not an error in the logs,
 * or every wrong password would page someone.
 */
export function isExpectedError(error: unknown): boolean {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof AppError) return true;
  return original instanceof GraphQLError && typeof original.extensions.code === "string";
}

/** graphql-js's refusal of a variable's value ('Variable "$e" got invalid value "tomorrow"; …'), made before execution. */
const isVariableError = (error: GraphQLError) => !error.path && error.extensions.code === undefined && error.message.startsWith('Variable "$');

/**
 * A variable of the wrong type or shape is the client's mistake, but
 * graphql-js refuses it without a code, and Yoga codes only parse and
 * validation errors: these get BAD_USER_INPUT, like every other bad input.
 */
export function useVariableErrorCodes(): Plugin {
  return rewritingResultErrors((error) =>
    isVariableError(error) ? new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: "BAD_USER_INPUT" } }) : error,
  );
}

/**
 * Hooks that rewrite the errors of an operation's result, over HTTP and
 * websockets, for queries, mutations and a subscription's refusal:
 * `rewrite` returns an error's replacement, or the error itself to keep it.
 */
export function rewritingResultErrors(rewrite: (error: GraphQLError) => GraphQLError): Pick<Plugin, "onExecute" | "onSubscribe"> {
  const apply = ({ result, setResult }: { result: unknown; setResult: (result: ExecutionResult) => void }) => {
    const errors = (result as ExecutionResult).errors;
    if (!errors?.length) return;
    const rewritten = errors.map(rewrite);
    if (rewritten.some((error, i) => error !== errors[i])) setResult({ ...(result as ExecutionResult), errors: rewritten });
  };
  return {
    onExecute: () => ({ onExecuteDone: apply }),
    onSubscribe: () => ({ onSubscribeResult: apply }),
  };
}
