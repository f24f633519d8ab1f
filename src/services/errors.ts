/**
 * Expected failures, with the stable codes clients switch on. Services throw
 * these; the GraphQL edge turns them into errors with `extensions.code`
 * (src/http/errors.ts). Anything else is masked as an internal error.
 */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "REQUEST_ENTITY_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "MODEL_UNAVAILABLE";

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable facts for clients (field names, retry times...). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The same answer for "does not exist" and "belongs to another workspace". */
export function notFound(what: string): AppError {
  return new AppError("NOT_FOUND", `${what} not found.`);
}

export function badInput(message: string, field?: string): AppError {
  return new AppError("BAD_USER_INPUT", message, field ? { field } : {});
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isId = (id: string): boolean => UUID.test(id);

/** Ids are UUIDs; anything else is refused before it reaches the database. */
export function assertId(id: string, what: string): string {
  if (!UUID.test(id)) throw new AppError("BAD_USER_INPUT", `"${id.slice(0, 64)}" is not a valid ${what} id.`, { field: "id" });
  return id.toLowerCase();
}
