// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * typescript-eslint's strict, type-checked rules, with the few adjustments that fit this codebase
 * (each says why). `npm run lint` runs it, and CI runs `npm run lint`.
 */
export default tseslint.config(
  // The partner examples are plain scripts and generated types a partner would keep in its own project;
  // test/partner-tools.test.ts runs them.
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "jest.config.js", "eslint.config.mjs", "examples/partner/**/*.{mjs,ts}"] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers and booleans read naturally in messages; objects and nullish values are still refused.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      // `() => void call()` shorthand in callbacks is idiomatic and unambiguous.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // type-graphql's object types are data shapes that graphql-js reads property by property; answering
      // with a literal of that shape is how resolvers work. (Personal types never are literals: their
      // fields resolve only through a request's guard, see src/enforcement/field-guard.ts.)
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
    },
  },
  {
    files: ["src/graphql/resolvers/**/*.ts"],
    rules: {
      // Inputs arrive as type-graphql class instances that carry only their fields; a spread is the plain copy wanted.
      "@typescript-eslint/no-misused-spread": "off",
    },
  },
  {
    files: ["src/**/*-plugin.ts"],
    rules: {
      // Apollo types every plugin hook as returning a promise, including hooks that do no asynchronous work.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // The script that starts GraphiQL in the browser (src/server/graphiql.ts serves it as it is): plain
    // JavaScript outside the TypeScript project, with the browser's globals and those of the bundles
    // loaded before it.
    files: ["src/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: "script",
      parserOptions: { projectService: false },
      globals: {
        window: "readonly",
        document: "readonly",
        fetch: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        React: "readonly",
        ReactDOM: "readonly",
        GraphiQL: "readonly",
      },
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      // Tests assert a response's shape, then use it: `data!` after that assertion is the clearest form.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Raw SQL in tests reads rows back as TypeORM types them (any); the assertions are the type check.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
);
