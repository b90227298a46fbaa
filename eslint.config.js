// ESLint flat config: typescript-eslint's type-checked rules over the program, tools, tests and the policy pack, plus
// @pulumi/eslint-plugin's rules against Outputs in template literals (it exports no preset: its rules are enabled by
// name). Formatting is Prettier's job (`npm run format:check`); `npm run lint` runs both.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "policy/node_modules/", "policy/bin/", "out/", "scratch/"] },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      // `import type` for type-only imports: Node's type stripping drops only what is marked as a type.
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "separate-type-imports" }],
      "@typescript-eslint/no-import-type-side-effects": "error",
    },
  },
  {
    // The policy pack reads resource properties the engine hands over untyped (`args.props`, `PolicyResource.props`), and
    // the tests and the mocks read the engine's untyped inputs: `any` is their input, narrowed where a rule depends on
    // it. The program and the other tools keep the no-unsafe-* rules.
    files: ["policy/**/*.ts", "test/**/*.ts", "tools/mocks.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
  {
    files: ["**/*.js"],
    extends: [js.configs.recommended],
  },
);
