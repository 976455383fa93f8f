// Key completion and inline messages from the SCHEMA setting, on CodeMirror's JSON syntax tree
// (the rules themselves are in schema_rules.js).
import { syntaxTree } from "@codemirror/language";
import { missingKeys, pathLabel, problemsIn } from "./schema_rules.js";

const MAX_MESSAGES = 50;
// A key being typed: a quote that opens a string where a key goes (after "{" or ","), not a value's closing one.
const KEY_TYPED = /[{,]\s*"([^"\\]*)$/;

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
export function pathTo(state, node) {
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

function enclosingObject(state, pos) {
  let node = syntaxTree(state).resolveInner(pos, -1);
  while (node && node.name !== "Object") node = node.parent;
  return node;
}

export function schemaCompletion(schema) {
  return (context) => {
    const before = context.state.sliceDoc(Math.max(0, context.pos - 200), context.pos);
    const typing = KEY_TYPED.exec(before);
    const fresh = /[{,]\s*$/.test(before);
    if (!typing && !fresh && !context.explicit) return null;
    const node = enclosingObject(context.state, context.pos);
    if (!node) return null;
    const present = new Set(node.getChildren("Property").map((p) => nameOf(context.state, p)));
    const options = missingKeys(schema, pathTo(context.state, node), present).map((key) => ({
      label: key.key,
      type: "property",
      detail: key.type,
      info: key.description || undefined,
      apply: applyKey(typing ? `${key.key}": ` : `"${key.key}": `),
    }));
    return { from: typing ? context.pos - typing[1].length : context.pos, options, validFor: /^[^"]*$/ };
  };
}

function arrayItems(node) {
  const values = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (!["[", "]", ","].includes(child.name) && !child.type.isError) values.push(child);
  }
  return values;
}

// The syntax node of the value at `path` (or of its key, for a key problem).
export function locate(state, path, onKey) {
  let node = syntaxTree(state).topNode.firstChild;
  let keyNode = null;
  for (const step of path) {
    if (!node) return null;
    if (typeof step === "number" && node.name === "Array") {
      node = arrayItems(node)[step] || null;
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
    return problemsIn(schema, value)
      .slice(0, MAX_MESSAGES)
      .map(({ path, message, onKey }) => {
        const node = locate(view.state, path, onKey) || { from: 0, to: Math.min(1, view.state.doc.length) };
        return { from: node.from, to: node.to, severity: "error", message: `${pathLabel(path)}: ${message}`, source: "schema" };
      });
  };
}
