import {
  getNamedType,
  isEnumType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";

/**
 * Every path through a schema from a root field to the types that hold a
 * tenant's data, as runnable GraphQL documents: one per path and choice of
 * ids. Generated from the schema itself, so a field added tomorrow is walked
 * without anyone writing a test for it.
 */

/** One step of a path: a field, with the argument values chosen for it. */
interface Step {
  field: GraphQLField<unknown, unknown>;
  /** The type the field was selected on (a union member is reached by `... on Type`). */
  on: GraphQLObjectType;
  args: Record<string, unknown>;
}

export interface WalkedPath {
  /** `Query.me > User.memberships > Membership.workspace`, for messages. */
  name: string;
  /** The document: the path, and every scalar field of the type it ends at. */
  query: string;
  /** The type the path ends at. */
  target: string;
}

export interface WalkOptions {
  /** Types that belong to a workspace: every path ending at one is walked. */
  owned: ReadonlySet<string>;
  /** Fields to walk from (`Query.me`, `Mutation.changeMemberRole`, …), each with its argument choices. */
  roots: readonly { type: GraphQLObjectType; field: string; args?: Record<string, unknown>[] }[];
  /** Values to try for an argument, by `Type.field.arg` or by `arg` alone; every id argument needs an entry. */
  argValues: (type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, arg: GraphQLArgument) => unknown[] | undefined;
  /** Fields selected at most this deep. @default 16 */
  maxDepth?: number;
  /** How often one field may recur along a path (to pass through a shared person and back out). @default 2 */
  maxRepeats?: number;
  /**
   * How often an owned type may occur along a path (by name; others once):
   * twice for the types a path crosses into another workspace by (User,
   * Membership, Workspace) lets it pass through a shared person, while the
   * rest do not wind back and forth. @default every type, any number of times
   */
  maxTypeVisits?: Readonly<Record<string, number>>;
}

/** The object types a field may give: itself, or a union's members. */
function objectTypesOf(type: GraphQLNamedType): GraphQLObjectType[] {
  if (isObjectType(type)) return type.name.startsWith("__") ? [] : [type];
  if (isUnionType(type)) return [...type.getTypes()];
  return [];
}

/** Every assignment of the argument values a field needs (required ones, and ids). */
function argChoices(options: WalkOptions, on: GraphQLObjectType, field: GraphQLField<unknown, unknown>): Record<string, unknown>[] {
  let choices: Record<string, unknown>[] = [{}];
  for (const arg of field.args) {
    const values = options.argValues(on, field, arg);
    if (values === undefined) {
      if (!isNonNullType(arg.type)) continue;
      throw new Error(`No value to walk ${on.name}.${field.name}(${arg.name}): add one to the walk's argument table.`);
    }
    choices = choices.flatMap((choice) => values.map((value) => ({ ...choice, [arg.name]: value })));
  }
  return choices;
}

function literal(value: unknown): string {
  if (typeof value === "object" && value !== null && "enum" in value) return String((value as { enum: string }).enum);
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(", ")} }`;
  }
  return JSON.stringify(value);
}

function scalarsOf(type: GraphQLObjectType): string {
  const names = Object.values(type.getFields())
    .filter((f) => isLeafType(getNamedType(f.type)) && !f.args.some((a) => isNonNullType(a.type)))
    .map((f) => f.name);
  return names.length ? names.join(" ") : "__typename";
}

function documentOf(operation: string, steps: readonly Step[], target: GraphQLObjectType): string {
  // A field that gives a union is followed by `... on Member`.
  const spread = (step: Step | undefined, on: GraphQLObjectType, selection: string) =>
    step && isUnionType(getNamedType(step.field.type)) ? `... on ${on.name} { ${selection} }` : selection;
  let inner = spread(steps.at(-1), target, `__typename ${scalarsOf(target)}`);
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    const args = Object.entries(step.args);
    const call = `${step.field.name}${args.length ? `(${args.map(([k, v]) => `${k}: ${literal(v)}`).join(", ")})` : ""}`;
    inner = spread(steps[i - 1], step.on, `${call} { __typename ${inner} }`);
  }
  return `${operation} { ${inner} }`;
}

/** Walks the schema and returns every path that ends at an owned type. */
export function walkSchema(schema: GraphQLSchema, options: WalkOptions): WalkedPath[] {
  const { owned, maxDepth = 16, maxRepeats = 2, maxTypeVisits } = options;
  const allowed = (type: string) => (maxTypeVisits ? (maxTypeVisits[type] ?? 1) : Infinity);
  const paths: WalkedPath[] = [];
  const operationOf = (type: GraphQLObjectType) =>
    type === schema.getMutationType() ? "mutation" : type === schema.getSubscriptionType() ? "subscription" : "query";

  const visits = new Map<string, number>();
  const visit = (operation: string, steps: Step[], type: GraphQLObjectType, uses: Map<string, number>) => {
    const seen = visits.get(type.name) ?? 0;
    if (owned.has(type.name) && seen >= allowed(type.name)) return;
    visits.set(type.name, seen + 1);
    try {
      walkFrom(operation, steps, type, uses);
    } finally {
      visits.set(type.name, seen);
    }
  };
  const walkFrom = (operation: string, steps: Step[], type: GraphQLObjectType, uses: Map<string, number>) => {
    if (owned.has(type.name)) {
      paths.push({ name: steps.map((s) => `${s.on.name}.${s.field.name}`).join(" > "), query: documentOf(operation, steps, type), target: type.name });
    }
    if (steps.length >= maxDepth) return;
    for (const field of Object.values(type.getFields())) {
      const children = objectTypesOf(getNamedType(field.type));
      const key = `${type.name}.${field.name}`;
      const used = uses.get(key) ?? 0;
      if (!children.length || used >= maxRepeats) continue;
      uses.set(key, used + 1);
      for (const args of argChoices(options, type, field)) {
        for (const child of children) visit(operation, [...steps, { field, on: type, args }], child, uses);
      }
      uses.set(key, used);
    }
  };

  for (const root of options.roots) {
    const field = root.type.getFields()[root.field];
    if (!field) throw new Error(`No root field ${root.type.name}.${root.field}`);
    for (const args of root.args ?? argChoices(options, root.type, field)) {
      for (const child of objectTypesOf(getNamedType(field.type))) {
        visit(operationOf(root.type), [{ field, on: root.type, args }], child, new Map());
      }
    }
  }
  return paths;
}

/** An enum value for `argValues` (written bare in the document). */
export const enumValue = (name: string) => ({ enum: name });

/** The first value of an enum argument, for arguments the walk need not vary. */
export function firstEnumValue(arg: GraphQLArgument): { enum: string } | undefined {
  const type = getNamedType(arg.type);
  return isEnumType(type) ? enumValue(type.getValues()[0]!.name) : undefined;
}
