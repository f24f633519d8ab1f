import type { CodegenConfig } from "@graphql-codegen/cli";

const clientPreset = {
  preset: "client",
  presetConfig: { fragmentMasking: false },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    emitLegacyCommonJSImports: false,
    scalars: { DateTime: "string" },
  },
} as const;

/**
 * Typed documents from the committed schema.graphql: the tests, the admin
 * console and the widget write operations with `graphql(...)` and get their result and
 * variable types checked against the schema by `tsc`.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  ignoreNoDocuments: true,
  generates: {
    "tests/gql/": { documents: ["tests/**/*.ts", "!tests/gql/**"], ...clientPreset },
    // The admin console is a client of the public API like any other. Its documents are strings too (parsed
    // once at load by urql's parser, see console/src/operations.ts): parsed ASTs were 110 KB of its minified script.
    "console/src/gql/": {
      documents: ["console/src/**/*.{ts,tsx}", "!console/src/gql/**"],
      ...clientPreset,
      config: { ...clientPreset.config, documentMode: "string" },
    },
    // So is the widget; its documents stay strings (graphql-ws sends strings, and no parsed AST weighs on its budget).
    "widget/src/gql/": {
      documents: ["widget/src/**/*.ts", "!widget/src/gql/**"],
      ...clientPreset,
      config: { ...clientPreset.config, documentMode: "string" },
    },
  },
};

export default config;
