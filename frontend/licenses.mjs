// Writes the licence notice shipped beside editor.js: every bundled package, its version and licence.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";

const names = readdirSync("node_modules/@codemirror").map((n) => `@codemirror/${n}`)
  .concat(readdirSync("node_modules/@lezer").map((n) => `@lezer/${n}`))
  .concat(["style-mod", "w3c-keyname", "crelt", "@marijn/find-cluster-break"]);
const lines = ["editor.js bundles these packages (built by frontend/package.json with esbuild):", ""];
for (const name of names.sort()) {
  try {
    const meta = JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
    lines.push(`${meta.name} ${meta.version} (${meta.license}) ${meta.repository?.url ?? meta.homepage ?? ""}`.trim());
  } catch {
    // not installed: not bundled
  }
}
lines.push("", "Each is under the MIT licence: Copyright (C) its authors (see the repository of each).", "");
writeFileSync("../tenant_registry/static/tenant_registry/editor.LICENSES.txt", lines.join("\n"));
