import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { bundledPackages, licenseNotice, packageRoot } from "../licenses.mjs";

const MIT = "MIT License\r\n\r\nCopyright (C) Marijn\r\n";
let work;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "licenses-"));
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

// A package folder under `work` with its package.json (and LICENSE when `license` is given).
function pack(root, meta, license, file = "LICENSE") {
  mkdirSync(join(work, root), { recursive: true });
  writeFileSync(join(work, root, "package.json"), JSON.stringify(meta));
  if (license !== undefined) writeFileSync(join(work, root, file), license);
}

// A metafile of one output with these inputs (path -> bytes in the output).
const metafile = (inputs) => ({
  outputs: {
    "out.js": { inputs: Object.fromEntries(Object.entries(inputs).map(([path, bytes]) => [path, { bytesInOutput: bytes }])) },
  },
});

test("packageRoot names the innermost package of an input, scoped or not", () => {
  assert.equal(packageRoot("node_modules/@codemirror/view/dist/index.js"), "node_modules/@codemirror/view");
  assert.equal(packageRoot("node_modules/crelt/index.js"), "node_modules/crelt");
  assert.equal(packageRoot("node_modules/a/node_modules/@s/b/x.js"), "node_modules/a/node_modules/@s/b");
  assert.equal(packageRoot("schema.js"), null);
});

test("only packages that put bytes into the bundle are listed, the project's own files never", () => {
  const roots = bundledPackages(
    metafile({
      "editor.js": 100,
      "node_modules/@s/a/dist/index.js": 10,
      "node_modules/@s/a/dist/other.js": 5,
      "node_modules/shaken/index.js": 0,
    }),
  );
  assert.deepEqual(roots, ["node_modules/@s/a"]);
});

test("the notice lists each package and gives each licence text once, for all who share it", () => {
  pack("node_modules/zed", { name: "zed", version: "1.0.0", license: "MIT", repository: "https://z.example/zed" }, MIT);
  pack("node_modules/@s/a", { name: "@s/a", version: "6.1.0", license: "MIT", repository: { url: "git+https://a.example/a.git" } }, MIT);
  pack("node_modules/other", { name: "other", version: "2.0.0", license: "ISC", homepage: "https://o.example" }, "ISC text\n", "LICENCE.md");
  const inputs = { "node_modules/zed/i.js": 1, "node_modules/@s/a/i.js": 1, "node_modules/other/i.js": 1 };
  const notice = licenseNotice(metafile(inputs), work);
  const rule = "-".repeat(78);
  assert.equal(
    notice,
    [
      "editor.js bundles these packages (listed by frontend/build.mjs from esbuild's metafile):",
      "",
      "@s/a 6.1.0 (MIT) https://a.example/a.git",
      "other 2.0.0 (ISC) https://o.example",
      "zed 1.0.0 (MIT) https://z.example/zed",
      "",
      rule,
      "The licence of @s/a 6.1.0, zed 1.0.0:",
      "",
      "MIT License\n\nCopyright (C) Marijn",
      "",
      rule,
      "The licence of other 2.0.0:",
      "",
      "ISC text",
      "",
    ].join("\n"),
  );
});

test("a bundled package without a licence file stops the build, naming it", () => {
  pack("node_modules/bare", { name: "bare", version: "1.0.0", license: "MIT" });
  assert.throws(() => licenseNotice(metafile({ "node_modules/bare/i.js": 1 }), work), /^Error: bare \(.*\) has no LICENSE file/);
});

test("a bundled package that names no licence stops the build, naming it", () => {
  pack("node_modules/vague", { name: "vague", version: "1.0.0" }, MIT);
  assert.throws(() => licenseNotice(metafile({ "node_modules/vague/i.js": 1 }), work), /^Error: vague \(.*\) names no licence/);
});
