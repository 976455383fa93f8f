// The licence notice shipped beside editor.js, from esbuild's metafile: every package with code in the bundle,
// its version, licence and licence text. Nothing is listed by hand, so the notice follows the bundle.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const MARK = "node_modules/";
const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt))?$/i;

// "node_modules/@scope/name/dist/index.js" -> "node_modules/@scope/name": the innermost package of an input.
export function packageRoot(input) {
  const at = input.lastIndexOf(MARK);
  if (at < 0) return null;
  const parts = input.slice(at + MARK.length).split("/");
  return input.slice(0, at + MARK.length) + parts.slice(0, parts[0].startsWith("@") ? 2 : 1).join("/");
}

// The folders of the packages that put bytes into any output (tree-shaken inputs are left out).
export function bundledPackages(metafile) {
  const roots = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const root = packageRoot(input);
      if (root !== null && bytesInOutput > 0) roots.add(root);
    }
  }
  return [...roots];
}

function licenseText(dir, name) {
  const file = readdirSync(dir).find((entry) => LICENSE_FILE.test(entry));
  if (!file) throw new Error(`${name} (${dir}) has no LICENSE file: its notice cannot be shipped with editor.js`);
  return readFileSync(join(dir, file), "utf8").replace(/\r\n/g, "\n").trim();
}

function describe(workDir, root) {
  const dir = join(workDir, root);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (typeof meta.license !== "string" || !meta.license) {
    throw new Error(`${meta.name} (${dir}) names no licence in its package.json`);
  }
  const repository = typeof meta.repository === "string" ? meta.repository : meta.repository?.url;
  const url = (repository ?? meta.homepage ?? "").replace(/^git\+/, "");
  return { name: meta.name, version: meta.version, license: meta.license, url, text: licenseText(dir, meta.name) };
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1);

// The notice's text; `workDir` is the folder the metafile's paths are relative to.
export function licenseNotice(metafile, workDir) {
  const packages = bundledPackages(metafile)
    .map((root) => describe(workDir, root))
    .sort(byName);
  const lines = ["editor.js bundles these packages (listed by frontend/build.mjs from esbuild's metafile):", ""];
  lines.push(...packages.map((p) => `${p.name} ${p.version} (${p.license}) ${p.url}`.trim()));
  const texts = new Map();
  for (const p of packages) texts.set(p.text, [...(texts.get(p.text) ?? []), `${p.name} ${p.version}`]);
  for (const [text, names] of texts) lines.push("", "-".repeat(78), `The licence of ${names.join(", ")}:`, "", text);
  return `${lines.join("\n")}\n`;
}
