import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed documents from the committed schema.graphql: the tests (and, later,
 * the widget) write operations with `graphql(...)` and get their result and
 * variable types checked against the schema by `tsc`.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["tests/**/*.ts", "!tests/gql/**"],
  ignoreNoDocuments: true,
  generates: {
    "tests/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: "string" },
      },
    },
  },
};

export default config;
