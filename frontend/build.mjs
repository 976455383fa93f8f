// node build.mjs         : bundles editor.js and writes it with its licence notice into the app's static folder.
// node build.mjs --check : builds the same in memory and fails when either differs from the committed file.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { licenseNotice } from "./licenses.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..");
const STATIC = join(REPO, "tenant_registry", "static", "tenant_registry");
const BUNDLE = join(STATIC, "editor.js");
const NOTICE = join(STATIC, "editor.LICENSES.txt");

// Same bytes on every machine: the working folder is fixed, no source map, no build-time values.
const OPTIONS = {
  absWorkingDir: HERE,
  entryPoints: ["editor.js"],
  outfile: BUNDLE,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  charset: "ascii",
  legalComments: "none",
  banner: { js: "/* Built from frontend/ (make frontend). Bundled packages and their licences: editor.LICENSES.txt */" },
  metafile: true,
  write: false,
  logLevel: "warning",
};

async function build() {
  const result = await esbuild.build(OPTIONS);
  const [bundle] = result.outputFiles;
  return new Map([
    [BUNDLE, Buffer.from(bundle.contents)],
    [NOTICE, Buffer.from(licenseNotice(result.metafile, HERE))],
  ]);
}

function committed(path) {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

const files = await build();
if (process.argv.includes("--check")) {
  const stale = [...files].filter(([path, built]) => !built.equals(committed(path)));
  for (const [path] of stale) {
    console.error(`${relative(REPO, path)} differs from a fresh build of frontend/: run \`make frontend\` and commit it`);
  }
  if (stale.length) process.exit(1);
  console.log(`${[...files.keys()].map((path) => relative(REPO, path)).join(" and ")} match a fresh build`);
} else {
  for (const [path, built] of files) writeFileSync(path, built);
}
