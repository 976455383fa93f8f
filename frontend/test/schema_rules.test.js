import assert from "node:assert/strict";
import { test } from "node:test";
import { childSchema, kind, missingKeys, pathLabel, problemsIn, resolve, schemaAt } from "../schema_rules.js";

const SCHEMA = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    name: { type: "string", description: "Shown in the admin" },
    plan: { enum: ["free", "pro"] },
    version: { const: 2 },
    ratio: { type: "number" },
    owner: { type: ["string", "null"] },
    limits: { $ref: "#/$defs/limits" },
    servers: { type: "array", items: { $ref: "#/$defs/server" } },
    labels: { type: "object", additionalProperties: { type: "string" } },
  },
  $defs: {
    limits: { type: "object", properties: { "a/b": { type: "integer" }, "c~d": { type: "boolean" } } },
    server: { type: "object", required: ["host"], properties: { host: { type: "string" }, port: { type: "integer" } } },
  },
};

test("resolve follows local $refs, with ~1 and ~0 escapes", () => {
  assert.deepEqual(resolve(SCHEMA, { $ref: "#/$defs/limits/properties/a~1b" }), { type: "integer" });
  assert.deepEqual(resolve(SCHEMA, { $ref: "#/$defs/limits/properties/c~0d" }), { type: "boolean" });
  assert.equal(resolve(SCHEMA, { $ref: "#" }), SCHEMA);
});

test("resolve gives {} for a remote, dangling or non-object $ref", () => {
  assert.deepEqual(resolve(SCHEMA, { $ref: "https://example.com/schema.json" }), {});
  assert.deepEqual(resolve(SCHEMA, { $ref: "#/$defs/missing" }), {});
  assert.deepEqual(resolve(SCHEMA, { $ref: "#/required/0" }), {});
  assert.deepEqual(resolve(SCHEMA, undefined), {});
});

test("resolve stops on a $ref cycle instead of looping", () => {
  const cyclic = { $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } } };
  assert.equal(typeof resolve(cyclic, { $ref: "#/$defs/a" }).$ref, "string");
});

test("childSchema steps into properties, array items and additionalProperties", () => {
  assert.deepEqual(childSchema(SCHEMA, SCHEMA, "name"), SCHEMA.properties.name);
  assert.deepEqual(childSchema(SCHEMA, SCHEMA.properties.servers, 3), SCHEMA.$defs.server);
  assert.deepEqual(childSchema(SCHEMA, SCHEMA.properties.labels, "any"), { type: "string" });
  assert.deepEqual(childSchema(SCHEMA, SCHEMA, "unknown"), {});
});

test("schemaAt follows a whole key path through $refs", () => {
  assert.deepEqual(schemaAt(SCHEMA, ["servers", 0, "port"]), { type: "integer" });
  assert.deepEqual(schemaAt(SCHEMA, ["limits", "a/b"]), { type: "integer" });
  assert.equal(schemaAt(SCHEMA, []), SCHEMA);
  assert.deepEqual(schemaAt(SCHEMA, ["name", "deeper"]), {});
});

test("missingKeys lists the declared keys not present yet, with type and description", () => {
  const keys = missingKeys(SCHEMA, [], new Set(["plan", "version", "ratio", "owner", "servers", "labels"]));
  assert.deepEqual(keys, [
    { key: "name", type: "string", description: "Shown in the admin" },
    { key: "limits", type: "object", description: undefined },
  ]);
  assert.deepEqual(
    missingKeys(SCHEMA, ["servers", 0], new Set(["host"])).map((k) => k.key),
    ["port"],
  );
  assert.deepEqual(missingKeys(SCHEMA, ["labels"], new Set()), []);
});

test("kind names JSON types, integers apart from other numbers", () => {
  assert.deepEqual(
    [null, [], {}, 3, 3.5, "x", true].map(kind),
    ["null", "array", "object", "integer", "number", "string", "boolean"],
  );
});

test("a valid document has no problems", () => {
  const value = { name: "Acme", plan: "pro", version: 2, ratio: 1, owner: null, servers: [{ host: "h", port: 1 }] };
  assert.deepEqual(problemsIn(SCHEMA, value), []);
});

test("problemsIn reports each rule at its key path", () => {
  const value = {
    plan: "gold",
    version: 3,
    ratio: "high",
    owner: 7,
    extra: true,
    limits: { "a/b": 1.5 },
    servers: [{ host: "h" }, { port: 1 }],
    labels: { tier: 1 },
  };
  assert.deepEqual(problemsIn(SCHEMA, value), [
    { path: [], message: '"name" is required' },
    { path: ["plan"], message: 'must be one of "free", "pro"' },
    { path: ["version"], message: "must be 2" },
    { path: ["ratio"], message: "must be number, not string" },
    { path: ["owner"], message: "must be string or null, not integer" },
    { path: ["extra"], message: '"extra" is not allowed here', onKey: true },
    { path: ["limits", "a/b"], message: "must be integer, not number" },
    { path: ["servers", 1], message: '"host" is required' },
    { path: ["labels", "tier"], message: "must be string, not integer" },
  ]);
});

test("a value of the wrong type is reported once, not also for what it holds", () => {
  assert.deepEqual(problemsIn(SCHEMA, { name: "n", servers: { host: 1 } }), [
    { path: ["servers"], message: "must be array, not object" },
  ]);
});

test("pathLabel joins the steps, or names the root", () => {
  assert.equal(pathLabel(["servers", 0, "host"]), "servers.0.host");
  assert.equal(pathLabel([]), "(root)");
});
