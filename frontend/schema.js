// Key completion and inline messages from the SCHEMA setting. The server validates with the full
// JSON Schema on save; this covers the common keywords only: type, enum, const, required,
// properties, additionalProperties, items and local $ref.
import { syntaxTree } from "@codemirror/language";

function resolve(root, schema) {
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

function childSchema(root, schema, step) {
  const here = resolve(root, schema);
  if (typeof step === "number") return resolve(root, here.items || {});
  if (here.properties && step in here.properties) return resolve(root, here.properties[step]);
  return typeof here.additionalProperties === "object" ? resolve(root, here.additionalProperties) : {};
}

function nameOf(state, property) {
  const name = property.getChild("PropertyName");
  if (!name) return null;
  try {
    return JSON.parse(state.sliceDoc(name.from, name.to));
  } catch {
    return null;
  }
}

// The key path from the document's root down to `node` (array steps as 0: only the schema is asked).
function pathTo(state, node) {
  const path = [];
  for (let at = node; at; at = at.parent) {
    if (at.name === "Property" && at !== node) {
      const key = nameOf(state, at);
      if (key !== null) path.unshift(key);
    } else if (at.name === "Array" && at !== node) {
      path.unshift(0);
    }
  }
  return path;
}

// Inserts a key; a quote closeBrackets put after the cursor is replaced too, so the key has no extra quote.
function applyKey(text) {
  return (view, completion, from, to) => {
    const end = view.state.sliceDoc(to, to + 1) === '"' && text.endsWith('": ') ? to + 1 : to;
    view.dispatch({
      changes: { from, to: end, insert: text },
      selection: { anchor: from + text.length },
      userEvent: "input.complete",
    });
  };
}

export function schemaCompletion(schema) {
  return (context) => {
    const before = context.state.sliceDoc(Math.max(0, context.pos - 200), context.pos);
    const typing = /"([^"\\]*)$/.exec(before);
    const fresh = /[{,]\s*$/.test(before);
    if (!typing && !fresh && !context.explicit) return null;
    let node = syntaxTree(context.state).resolveInner(context.pos, -1);
    while (node && node.name !== "Object") node = node.parent;
    if (!node) return null;
    const here = pathTo(context.state, node).reduce((s, step) => childSchema(schema, s, step), schema);
    const properties = resolve(schema, here).properties || {};
    const present = new Set(node.getChildren("Property").map((p) => nameOf(context.state, p)));
    const options = Object.keys(properties)
      .filter((key) => !present.has(key))
      .map((key) => ({
        label: key,
        type: "property",
        detail: resolve(schema, properties[key]).type || "",
        info: resolve(schema, properties[key]).description || undefined,
        apply: applyKey(typing ? `${key}": ` : `"${key}": `),
      }));
    return { from: typing ? context.pos - typing[1].length : context.pos, options, validFor: /^[^"]*$/ };
  };
}

function kind(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Number.isInteger(value)) return "integer";
  return typeof value;
}

function typeMatches(expected, value) {
  const types = Array.isArray(expected) ? expected : [expected];
  const actual = kind(value);
  return types.some((t) => t === actual || (t === "number" && actual === "integer"));
}

function check(root, schema, value, path, problems) {
  const here = resolve(root, schema);
  if (here.type && !typeMatches(here.type, value)) {
    problems.push({ path, message: `must be ${[].concat(here.type).join(" or ")}, not ${kind(value)}` });
    return;
  }
  if (here.enum && !here.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    problems.push({ path, message: `must be one of ${here.enum.map((o) => JSON.stringify(o)).join(", ")}` });
  }
  if ("const" in here && JSON.stringify(here.const) !== JSON.stringify(value)) {
    problems.push({ path, message: `must be ${JSON.stringify(here.const)}` });
  }
  if (kind(value) === "object") {
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
  } else if (kind(value) === "array" && here.items && typeof here.items === "object") {
    value.forEach((child, index) => check(root, here.items, child, [...path, index], problems));
  }
}

// The syntax node of the value at `path` (or of its key, for a key problem).
function locate(state, path, onKey) {
  let node = syntaxTree(state).topNode.firstChild;
  let keyNode = null;
  for (const step of path) {
    if (!node) return null;
    if (typeof step === "number" && node.name === "Array") {
      const values = [];
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (!["[", "]", ","].includes(child.name) && !child.type.isError) values.push(child);
      }
      node = values[step] || null;
    } else if (node.name === "Object") {
      const property = node.getChildren("Property").find((p) => nameOf(state, p) === step);
      keyNode = property ? property.getChild("PropertyName") : null;
      node = property ? property.lastChild : null;
    } else {
      return null;
    }
  }
  return onKey && keyNode ? keyNode : node;
}

export function schemaLinter(schema) {
  return (view) => {
    let value;
    try {
      value = JSON.parse(view.state.doc.toString());
    } catch {
      return [];
    }
    const problems = [];
    check(schema, schema, value, [], problems);
    return problems.slice(0, 50).map(({ path, message, onKey }) => {
      const node = locate(view.state, path, onKey) || { from: 0, to: Math.min(1, view.state.doc.length) };
      const where = path.length ? path.join(".") : "(root)";
      return { from: node.from, to: node.to, severity: "error", message: `${where}: ${message}`, source: "schema" };
    });
  };
}
