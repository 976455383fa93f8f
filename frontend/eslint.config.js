// ESLint's recommended rules plus the project's size limits (modules under 250 lines, functions under 40).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/"] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      "max-lines": ["error", { max: 250 }],
      "max-lines-per-function": ["error", { max: 40 }],
    },
  },
  { files: ["*.js"], ignores: ["eslint.config.js"], languageOptions: { globals: globals.browser } },
  { files: ["*.mjs", "eslint.config.js", "test/**/*.js"], languageOptions: { globals: globals.node } },
];
