import assert from "node:assert/strict";
import { test } from "node:test";
import { CompletionContext } from "@codemirror/autocomplete";
import { json } from "@codemirror/lang-json";
import { ensureSyntaxTree } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { locate, schemaCompletion, schemaLinter } from "../schema.js";

const SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string", description: "Shown in the admin" },
    plan: { enum: ["free", "pro"] },
    servers: { type: "array", items: { $ref: "#/$defs/server" } },
  },
  $defs: { server: { type: "object", properties: { host: { type: "string" }, port: { type: "integer" } } } },
};

// An editor state with its JSON syntax tree parsed; `|` marks the cursor and is removed.
function stateOf(text) {
  const doc = text.replace("|", "");
  const state = EditorState.create({ doc, extensions: [json()], selection: { anchor: Math.max(text.indexOf("|"), 0) } });
  ensureSyntaxTree(state, doc.length, 5000);
  return state;
}

function complete(text, explicit = false) {
  const state = stateOf(text);
  return schemaCompletion(SCHEMA)(new CompletionContext(state, state.selection.main.head, explicit));
}

const lint = (text) => schemaLinter(SCHEMA)({ state: stateOf(text) });
const marked = (text) => lint(text).map(({ from, to, message }) => [text.slice(from, to), message]);

test("after a comma, completion offers the keys the object does not hold yet, with type and description", () => {
  const result = complete('{"plan": "pro", |}');
  assert.deepEqual(
    result.options.map(({ label, detail, info }) => [label, detail, info]),
    [
      ["name", "string", "Shown in the admin"],
      ["servers", "array", undefined],
    ],
  );
  assert.equal(result.from, '{"plan": "pro", '.length);
  const sent = [];
  const state = stateOf('{"plan": "pro", |}');
  result.options[0].apply({ state, dispatch: (spec) => sent.push(spec) }, result.options[0], result.from, result.from);
  assert.equal(state.update(sent[0]).state.doc.toString(), '{"plan": "pro", "name": }');
});

test("completion inside an array item offers the item's keys", () => {
  const result = complete('{"servers": [{"host": "h", "p|"}]}');
  assert.deepEqual(result.options.map((o) => o.label), ["port"]);
  assert.equal(result.from, '{"servers": [{"host": "h", "'.length);
});

test("completion waits for a quote, a brace or a comma unless asked", () => {
  assert.equal(complete('{"plan": |}'), null);
  assert.deepEqual(complete('{"plan": "pro" |}', true).options.map((o) => o.label), ["name", "servers"]);
});

test("a completed key replaces the quote that closeBrackets put after the cursor", () => {
  const text = '{"na|"}';
  const state = stateOf(text);
  const pos = state.selection.main.head;
  const result = schemaCompletion(SCHEMA)(new CompletionContext(state, pos, false));
  const sent = [];
  result.options[0].apply({ state, dispatch: (spec) => sent.push(spec) }, result.options[0], result.from, pos);
  const next = state.update(sent[0]).state;
  assert.equal(next.doc.toString(), '{"name": }');
  assert.equal(next.selection.main.head, '{"name": '.length);
});

test("the linter marks a wrong value on the value and an unknown key on the key", () => {
  assert.deepEqual(marked('{"plan": "gold", "extra": 1, "servers": [{"port": "80"}]}'), [
    ['"gold"', 'plan: must be one of "free", "pro"'],
    ['"extra"', 'extra: "extra" is not allowed here'],
    ['"80"', "servers.0.port: must be integer, not string"],
  ]);
});

test("the linter leaves text that does not parse to the JSON linter", () => {
  assert.deepEqual(lint('{"plan": '), []);
});

test("a problem of the whole document is marked on the whole value", () => {
  assert.deepEqual(marked("[1]"), [["[1]", "(root): must be object, not array"]]);
});

test("the linter shows at most 50 messages", () => {
  const text = JSON.stringify(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])));
  assert.equal(lint(text).length, 50);
});

test("locate finds array items past a syntax error and gives null for a path not in the text", () => {
  const state = stateOf('{"servers": [{"host": 1}, {"host": 2}]}');
  const node = locate(state, ["servers", 1, "host"], false);
  assert.equal(state.sliceDoc(node.from, node.to), "2");
  assert.equal(locate(state, ["servers", 5], false), null);
  assert.equal(locate(state, ["name", "x"], false), null);
});
