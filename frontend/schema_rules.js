// The JSON Schema subset the editor checks as you type: type, enum, const, required, properties,
// additionalProperties, items and local $ref. Plain values in, plain values out (no editor, no DOM);
// the server validates with the full JSON Schema on save.

// `schema` with its local $refs followed (at most 16 hops); {} when it cannot be followed.
export function resolve(root, schema) {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === "string" && hops < 16; hops += 1) {
    if (!current.$ref.startsWith("#")) return {};
    const steps = current.$ref.slice(1).split("/").filter(Boolean);
    current = steps.reduce(
      (node, step) => (node ? node[step.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined),
      root,
    );
  }
  return current && typeof current === "object" ? current : {};
}

// The schema of the value at `step` (a key, or a number for an array item) under `schema`.
export function childSchema(root, schema, step) {
  const here = resolve(root, schema);
  if (typeof step === "number") return resolve(root, here.items || {});
  if (here.properties && step in here.properties) return resolve(root, here.properties[step]);
  return typeof here.additionalProperties === "object" ? resolve(root, here.additionalProperties) : {};
}

// The schema of the value at `path` from the document's root.
export function schemaAt(root, path) {
  return resolve(root, path.reduce((schema, step) => childSchema(root, schema, step), root));
}

// The keys the object at `path` declares and does not hold yet, with their type and description.
export function missingKeys(root, path, present) {
  const properties = schemaAt(root, path).properties || {};
  return Object.keys(properties)
    .filter((key) => !present.has(key))
    .map((key) => {
      const property = resolve(root, properties[key]);
      return { key, type: property.type || "", description: property.description };
    });
}

export function kind(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

function typeMatches(expected, value) {
  const actual = kind(value);
  return [].concat(expected).some((t) => t === actual || (t === "number" && actual === "integer"));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function checkValue(here, value, path, problems) {
  if (here.type && !typeMatches(here.type, value)) {
    problems.push({ path, message: `must be ${[].concat(here.type).join(" or ")}, not ${kind(value)}` });
    return false;
  }
  if (here.enum && !here.enum.some((option) => same(option, value))) {
    problems.push({ path, message: `must be one of ${here.enum.map((o) => JSON.stringify(o)).join(", ")}` });
  }
  if ("const" in here && !same(here.const, value)) {
    problems.push({ path, message: `must be ${JSON.stringify(here.const)}` });
  }
  return true;
}

function checkObject(root, here, value, path, problems) {
  for (const key of here.required || []) {
    if (!(key in value)) problems.push({ path, message: `"${key}" is required` });
  }
  for (const [key, child] of Object.entries(value)) {
    if (here.properties && key in here.properties) {
      check(root, here.properties[key], child, [...path, key], problems);
    } else if (here.additionalProperties === false) {
      problems.push({ path: [...path, key], message: `"${key}" is not allowed here`, onKey: true });
    } else if (typeof here.additionalProperties === "object") {
      check(root, here.additionalProperties, child, [...path, key], problems);
    }
  }
}

function check(root, schema, value, path, problems) {
  const here = resolve(root, schema);
  if (!checkValue(here, value, path, problems)) return;
  if (kind(value) === "object") {
    checkObject(root, here, value, path, problems);
  } else if (kind(value) === "array" && here.items && typeof here.items === "object") {
    value.forEach((child, index) => check(root, here.items, child, [...path, index], problems));
  }
}

// Every problem of `value` against `root`, in document order: { path, message, onKey? }
// (`onKey` when the key itself is wrong, not its value).
export function problemsIn(root, value) {
  const problems = [];
  check(root, root, value, [], problems);
  return problems;
}

// "a.b.0" for a path, "(root)" for the document itself.
export function pathLabel(path) {
  return path.length ? path.join(".") : "(root)";
}
