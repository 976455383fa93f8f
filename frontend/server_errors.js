// The server's form errors as editor diagnostics: a message that names "line L, column C" is marked there.
const POSITION = /line (\d+), column (\d+)/;

// The server's "line L, column C" as an offset into `doc` (a CodeMirror Text; columns count from 1),
// clamped into the document; null when the message names no position.
export function serverOffset(doc, message) {
  const found = POSITION.exec(message || "");
  if (!found) return null;
  const line = doc.line(Math.min(Math.max(Number(found[1]), 1), doc.lines));
  return Math.min(line.from + Math.max(Number(found[2]) - 1, 0), line.to);
}

// One diagnostic per message with a position, from there to the end of its line.
export function serverMarks(doc, messages) {
  return messages
    .map((message) => ({ message, at: serverOffset(doc, message) }))
    .filter(({ at }) => at !== null)
    .map(({ message, at }) => ({ from: at, to: Math.max(at, doc.lineAt(at).to), severity: "error", message, source: "server" }));
}
