import type { PGlite } from "@electric-sql/pglite";
import type { ArgType, SqlDriverAdapter, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";

/**
 * pglite-prisma-adapter 0.6 predates Prisma 6.19's query compiler, which hands
 * `Bytes` arguments to adapters as base64 strings (with their types in
 * `argTypes`); PGlite then refuses them ("Invalid input for bytea type").
 * This wraps the adapter to decode them the way @prisma/adapter-pg does, so
 * both databases accept the same Prisma calls.
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
        return (query: SqlQuery) => value.call(object, mapQuery(query));
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
