import type { PGlite } from "@electric-sql/pglite";
import { DriverAdapterError, type ArgType, type SqlDriverAdapter, type SqlQuery, type Transaction } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";

/**
 * pglite-prisma-adapter 0.6 predates Prisma 6.19's query compiler, which hands
 * `Bytes` arguments to adapters as base64 strings (with their types in
 * `argTypes`); PGlite then refuses them ("Invalid input for bytea type").
 * This wraps the adapter to decode them the way @prisma/adapter-pg does, and
 * to translate PostgreSQL error codes into the error kinds Prisma 6.19 knows
 * (a duplicate key must surface as P2002 on both databases, not as a raw
 * driver error), so both databases behave the same to Prisma.
 */
export function createPGliteAdapter(db: PGlite): PrismaPGlite {
  const factory = new PrismaPGlite(db);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => withMappedArgs(await connect());
  return factory;
}

function withMappedArgs<T extends SqlDriverAdapter | Transaction>(target: T): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "queryRaw" || property === "executeRaw") {
        return (query: SqlQuery) =>
          (value.call(object, mapQuery(query)) as Promise<unknown>).catch((error: unknown) => {
            throw mapError(error);
          });
      }
      if (property === "startTransaction") {
        return async (...args: unknown[]) => withMappedArgs((await value.apply(object, args)) as Transaction);
      }
      return value.bind(object);
    },
  });
}

function mapQuery(query: SqlQuery): SqlQuery {
  return { ...query, args: query.args.map((arg, i) => mapArg(arg, query.argTypes[i])) };
}

function mapArg(arg: unknown, type: ArgType | undefined): unknown {
  if (arg === null || arg === undefined) return arg;
  if (Array.isArray(arg) && type?.arity === "list") return arg.map((item) => mapArg(item, type));
  if (type?.scalarType === "bytes" && typeof arg === "string") return toUint8Array(Buffer.from(arg, "base64"));
  if (type?.scalarType === "bytes" && Array.isArray(arg)) return Uint8Array.from(arg as number[]);
  // A Buffer made in another realm (jest's vm contexts) is not `instanceof
  // Uint8Array` for PGlite: rewrap the bytes in this realm's view.
  if (ArrayBuffer.isView(arg)) return toUint8Array(arg);
  return arg;
}

function toUint8Array(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

interface PGliteDriverCause {
  kind: "postgres";
  code: string;
  message: string;
  detail?: string;
  column?: string;
}

/** The same mapping @prisma/adapter-pg applies to node-postgres errors. */
function mapError(error: unknown): unknown {
  const cause = (error as { cause?: Partial<PGliteDriverCause> } | null)?.cause;
  if (!(error instanceof Error) || error.name !== "DriverAdapterError" || cause?.kind !== "postgres" || !cause.code) return error;
  const fields = cause.detail?.match(/Key \(([^)]+)\)/)?.at(1)?.split(", ");
  const base = { originalCode: cause.code, originalMessage: cause.message ?? error.message };
  switch (cause.code) {
    case "23505":
      return new DriverAdapterError({ ...base, kind: "UniqueConstraintViolation", constraint: fields ? { fields } : undefined });
    case "23502":
      return new DriverAdapterError({ ...base, kind: "NullConstraintViolation", constraint: fields ? { fields } : undefined });
    case "23503":
      return new DriverAdapterError({ ...base, kind: "ForeignKeyConstraintViolation", constraint: cause.column ? { fields: [cause.column] } : undefined });
    case "22001":
      return new DriverAdapterError({ ...base, kind: "LengthMismatch", column: cause.column });
    case "40001":
      return new DriverAdapterError({ ...base, kind: "TransactionWriteConflict" });
    default:
      return error;
  }
}
