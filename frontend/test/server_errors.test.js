import assert from "node:assert/strict";
import { test } from "node:test";
import { Text } from "@codemirror/state";
import { serverMarks, serverOffset } from "../server_errors.js";

const DOC = Text.of(["{", '  "name": "Acme",', '  "plan": pro', "}"]);

test("serverOffset turns line and column (from 1) into a document offset", () => {
  assert.equal(serverOffset(DOC, "Invalid JSON at line 3, column 11: Expecting value"), DOC.line(3).from + 10);
  assert.equal(serverOffset(DOC, "at line 1, column 1"), 0);
});

test("serverOffset clamps a position outside the document into it", () => {
  assert.equal(serverOffset(DOC, "line 9, column 1"), DOC.line(4).from);
  assert.equal(serverOffset(DOC, "line 2, column 99"), DOC.line(2).to);
  assert.equal(serverOffset(DOC, "line 0, column 0"), 0);
});

test("serverOffset is null for a message without a position", () => {
  assert.equal(serverOffset(DOC, "Config must be a JSON object"), null);
  assert.equal(serverOffset(DOC, null), null);
});

test("serverMarks marks each positioned message to the end of its line, and skips the others", () => {
  const messages = ["Config must be a JSON object", "Invalid JSON at line 3, column 11: Expecting value"];
  assert.deepEqual(serverMarks(DOC, messages), [
    { from: DOC.line(3).from + 10, to: DOC.line(3).to, severity: "error", message: messages[1], source: "server" },
  ]);
  assert.deepEqual(serverMarks(DOC, []), []);
});
