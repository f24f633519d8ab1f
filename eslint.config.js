// Lint rules that catch bugs, not style: Prettier owns the layout
// (eslint-config-prettier turns off every rule that would fight it).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "**/dist/",
      "data/",
      "src/generated/",
      "tests/gql/",
      "tests/artifacts/",
      "console/src/gql/",
      "widget/src/gql/",
      "bench/eval/docs/",
      "scripts/demo-docs/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits is an unhandled rejection that can stop the server.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // `any` needs a reason: say it in an eslint-disable comment beside it.
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    // A function is read at once: at most 100 lines of code. A service factory
    // is an object of small methods sharing their dependencies: 200.
    files: ["src/**/*.ts", "widget/src/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ["src/services/**/*.ts"],
    rules: { "max-lines-per-function": ["error", { max: 200, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ["widget/src/**", "console/src/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["console/src/**/*.tsx"],
    ...reactHooks.configs.flat["recommended-latest"],
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
