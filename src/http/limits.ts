import {
  GraphQLError,
  Kind,
  getIntrospectionQuery,
  parse,
  getOperationAST,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import type { Plugin } from "graphql-yoga";

export interface QueryLimits {
  /** Deepest selection set allowed. */
  maxDepth: number;
  /** Largest estimated cost allowed: each field costs 1, times the sizes of the lists around it. */
  maxCost: number;
  /** Assumed size of a plain list, and the cap on `first`/`last` (a variable counts as this). @default 100 */
  listSize?: number;
  /** Page size of a connection asked without `first`/`last`. @default 20 */
  defaultPageSize?: number;
}

/**
 * Caps on a document's size that cost alone does not see: aliases (many
 * copies of a cheap field), directives and tokens (checked while parsing,
 * so a megabyte of tokens is not parsed whole). GraphQL Armor's rules, their
 * refusals given Parley's code, QUERY_TOO_COMPLEX.
 */
export function useDocumentLimits(limits: { maxAliases: number; maxDirectives: number; maxTokens: number }): Plugin[] {
  // A validation rule reports (so a websocket operation fails alone); the token count, while parsing, can only throw.
  const refuse = (context: ValidationContext | null, error: GraphQLError) => {
    const refusal = new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { code: "QUERY_TOO_COMPLEX" } });
    if (!context) throw refusal;
    context.reportError(refusal);
  };
  const options = { exposeLimits: true, propagateOnRejection: false, onReject: [refuse] };
  return [
    maxTokensPlugin({ n: limits.maxTokens, ...options }),
    maxAliasesPlugin({ n: limits.maxAliases, ...options }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...options }),
  ] as Plugin[];
}

/**
 * Refuses queries that are too deep or would fetch too much before they run.
 * The estimate reads only the document (a variable `first` counts as the
 * largest page), so Yoga may cache the verdict per document.
 */
export function useQueryLimits(limits: QueryLimits): Plugin {
  const rule = queryLimitsRule(limits);
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/** How many times a list's selection is assumed to repeat. */
interface ListSizes {
  listSize: number;
  defaultPageSize: number;
  /** Introspection lists, by `Type.field`: their mean length in this schema. */
  introspection: ReadonlyMap<string, number>;
}

const introspectionSizesBySchema = new WeakMap<GraphQLSchema, ReadonlyMap<string, number>>();

/**
 * The mean lengths of the introspection lists in this schema, so that
 * `__schema { types { fields { args … } } }` costs about what it fetches
 * (the full introspection query: ~6,000 fields today) and 50 of them cost 50 times that.
 */
function introspectionSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  const known = introspectionSizesBySchema.get(schema);
  if (known) return known;
  const types = Object.values(schema.getTypeMap());
  const fields = types.flatMap((type) => ("getFields" in type ? Object.values(type.getFields()) : []));
  const mean = (total: number, count: number) => Math.max(1, Math.ceil(total / Math.max(1, count)));
  const perType = (count: (type: (typeof types)[number]) => number) =>
    mean(
      types.reduce((sum, type) => sum + count(type), 0),
      types.length,
    );
  const fieldCount = perType((type) => ("getFields" in type ? Object.keys(type.getFields()).length : 0));
  const argCount = mean(
    fields.reduce((sum, field) => sum + ("args" in field ? field.args.length : 0), 0),
    fields.length,
  );
  const sizes = new Map<string, number>([
    ["__Schema.types", types.length],
    ["__Schema.directives", schema.getDirectives().length],
    ["__Type.fields", fieldCount],
    ["__Type.inputFields", fieldCount],
    ["__Type.enumValues", perType((type) => ("getValues" in type ? type.getValues().length : 0))],
    ["__Type.interfaces", perType((type) => ("getInterfaces" in type ? type.getInterfaces().length : 0))],
    ["__Type.possibleTypes", perType((type) => ("getTypes" in type ? type.getTypes().length : 0))],
    ["__Field.args", argCount],
    ["__Directive.args", argCount],
    // A type reference is wrapped (non-null, list) at most a few levels deep,
    // and the chain ends at the named type: each `ofType` level is there for
    // about half the references, not for all of them.
    ["__Type.ofType", 0.5],
  ]);
  introspectionSizesBySchema.set(schema, sizes);
  return sizes;
}

export function queryLimitsRule({ maxDepth, maxCost, listSize = 100, defaultPageSize = 20 }: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const sizes: ListSizes = { listSize, defaultPageSize, introspection: introspectionSizes(schema) };
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const root =
          operation.operation === "query"
            ? schema.getQueryType()
            : operation.operation === "mutation"
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        if (!root) return;
        const { depth, cost, introspection } = measureOperation(
          { schema, sizes, fragments, ids: new Map(), measured: new Map() },
          operation.selectionSet,
          root,
        );
        const allowance = introspectionAllowance(schema, sizes);
        const name = operation.name?.value ?? "the operation";
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`${name} is ${depth} levels deep; the limit is ${maxDepth}.`, {
              nodes: [operation],
              extensions: { code: "QUERY_TOO_COMPLEX", depth, maxDepth },
            }),
          );
        } else if (cost > maxCost) {
          context.reportError(
            new GraphQLError(`${name} could fetch about ${cost} fields; the limit is ${maxCost}. Ask for smaller pages or fewer nested lists.`, {
              nodes: [operation],
              extensions: { code: "QUERY_TOO_COMPLEX", cost, maxCost },
            }),
          );
        } else if (introspection > allowance) {
          context.reportError(
            new GraphQLError(`${name} introspects about ${introspection} fields; one full introspection of this schema is ${allowance}.`, {
              nodes: [operation],
              extensions: { code: "QUERY_TOO_COMPLEX", introspection, maxIntrospection: allowance },
            }),
          );
        }
      },
    };
  };
}

/**
 * An operation's depth, and its cost apart from its introspection's: a
 * client's own fields are held to MAX_QUERY_COST, while introspection, whose
 * size the schema sets (it grows with every field added), is held to one
 * full introspection of this schema, what GraphiQL asks for.
 */
function measureOperation(m: Measuring, selectionSet: SelectionSetNode, root: GraphQLCompositeType) {
  let depth = 0;
  let cost = 0;
  let introspection = 0;
  for (const group of collect(m, [selectionSet], root)) {
    const child = measureField(m, group.field, group.sets, group.on);
    if (!child) continue;
    depth = Math.max(depth, child.depth);
    if (group.field.name.value.startsWith("__")) introspection += child.cost;
    else cost += child.cost;
  }
  return { depth: depth + 1, cost: Math.ceil(cost), introspection: Math.ceil(introspection) };
}

const allowances = new WeakMap<GraphQLSchema, number>();

/** What GraphiQL's full introspection of this schema costs, by the same measure: the most one document may introspect. */
function introspectionAllowance(schema: GraphQLSchema, sizes: ListSizes): number {
  let allowance = allowances.get(schema);
  if (allowance === undefined) {
    const document = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true }));
    const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    const operation = getOperationAST(document)!;
    allowance = measureOperation(
      { schema, sizes, fragments, ids: new Map(), measured: new Map() },
      operation.selectionSet,
      schema.getQueryType()!,
    ).introspection;
    allowances.set(schema, allowance);
  }
  return allowance;
}

/**
 * What measuring one document needs. Selections are measured as graphql-js
 * executes them: fields collected through fragments (each fragment once per
 * selection set, however often it is spread) and merged by response key;
 * each selection set is measured once per type, so measuring stays linear in
 * the document's size (thirty fragments each spreading the one before twice
 * are thirty steps, not 2^30).
 */
interface Measuring {
  schema: GraphQLSchema;
  sizes: ListSizes;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** A number per selection set node, for the memo's keys. */
  ids: Map<SelectionSetNode, number>;
  /** `Type|ids of the merged selection sets` → their measure. */
  measured: Map<string, Measure>;
}

type Measure = { depth: number; cost: number };

/** The fields of merged selection sets, as graphql-js collects them: by type condition and response key. */
function collect(m: Measuring, sets: readonly SelectionSetNode[], parent: GraphQLCompositeType) {
  const groups = new Map<string, { field: FieldNode; on: GraphQLCompositeType; sets: SelectionSetNode[] }>();
  const spread = new Set<string>();
  const visit = (set: SelectionSetNode, on: GraphQLCompositeType) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = `${on.name}.${selection.alias?.value ?? selection.name.value}`;
        const group = groups.get(key) ?? { field: selection, on, sets: [] };
        if (selection.selectionSet) group.sets.push(selection.selectionSet);
        groups.set(key, group);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD && spread.has(selection.name.value)) continue;
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? m.fragments.get(selection.name.value) : selection;
      if (selection.kind === Kind.FRAGMENT_SPREAD) spread.add(selection.name.value);
      if (!fragment) continue;
      const typeName = fragment.typeCondition?.name.value;
      const type = typeName ? m.schema.getType(typeName) : on;
      if (type && (isObjectType(type) || isInterfaceType(type) || "getTypes" in type)) visit(fragment.selectionSet, type as GraphQLCompositeType);
    }
  };
  for (const set of sets) visit(set, parent);
  return groups.values();
}

function idOf(m: Measuring, set: SelectionSetNode): number {
  let id = m.ids.get(set);
  if (id === undefined) m.ids.set(set, (id = m.ids.size));
  return id;
}

function measure(m: Measuring, sets: readonly SelectionSetNode[], parent: GraphQLCompositeType): Measure {
  const key = `${parent.name}|${sets.map((set) => idOf(m, set)).join(",")}`;
  const known = m.measured.get(key);
  if (known) return known;
  let depth = 0;
  let cost = 0;
  for (const group of collect(m, sets, parent)) {
    const child = measureField(m, group.field, group.sets, group.on);
    if (!child) continue;
    depth = Math.max(depth, child.depth);
    cost += child.cost;
  }
  const result = { depth: depth + 1, cost };
  m.measured.set(key, result);
  return result;
}

function measureField(m: Measuring, field: FieldNode, sets: readonly SelectionSetNode[], parent: GraphQLCompositeType): Measure | undefined {
  const name = field.name.value;
  if (name === "__typename") return undefined;
  const definition =
    name === "__schema" ? SchemaMetaFieldDef : name === "__type" ? TypeMetaFieldDef : "getFields" in parent ? parent.getFields()[name] : undefined;
  if (!definition) return undefined; // reported by the standard rules
  if (!sets.length) return { depth: 0, cost: 1 };
  const type = getNamedType(definition.type);
  if (!isObjectType(type) && !isInterfaceType(type) && !("getTypes" in type)) return { depth: 0, cost: 1 };
  const inner = measure(m, sets, type as GraphQLCompositeType);
  const cost = 1 + multiplier(field, definition, parent, m.sizes) * inner.cost;
  // Introspection costs what it fetches; its depth is the type system's (ofType chains), not a client's choice.
  return { depth: name.startsWith("__") || parent.name.startsWith("__") ? 0 : inner.depth, cost };
}

/** How many times a field's selection may be repeated. */
function multiplier(
  field: FieldNode,
  definition: { type: GraphQLOutputType; extensions?: { listSize?: unknown } },
  parent: GraphQLCompositeType,
  limits: ListSizes,
): number {
  const { type } = definition;
  const introspected = limits.introspection.get(`${parent.name}.${field.name.value}`);
  if (introspected !== undefined) return introspected;
  // A list whose length the schema bounds says so (`extensions: { listSize }`).
  if (typeof definition.extensions?.listSize === "number") return definition.extensions.listSize;
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== "first" && arg.name.value !== "last") continue;
    return arg.value.kind === Kind.INT ? Math.min(Math.max(Number(arg.value.value), 0), limits.listSize) : limits.listSize;
  }
  if (/Connection$/.test(getNamedType(type).name)) return limits.defaultPageSize;
  // A connection's edges were counted on the connection field itself.
  if (isListType(getNullableType(type))) return /Connection$/.test(parent.name) ? 1 : limits.listSize;
  return 1;
}
