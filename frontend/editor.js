// The admin's config editor: CodeMirror 6 over the form's textarea, which stays the submitted field.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json, jsonParseLinter } from "@codemirror/lang-json";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from "@codemirror/language";
import { lintGutter, lintKeymap, linter, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { schemaCompletion, schemaLinter } from "./schema.js";

const POSITION = /line (\d+), column (\d+)/;

// The server's "line L, column C" as a document offset (columns count from 1).
function serverOffset(doc, message) {
  const found = POSITION.exec(message || "");
  if (!found) return null;
  const line = doc.line(Math.min(Math.max(Number(found[1]), 1), doc.lines));
  return Math.min(line.from + Math.max(Number(found[2]) - 1, 0), line.to);
}

function serverErrors(textarea) {
  const row = textarea.closest(".form-row, .fieldBox") || textarea.parentElement;
  const list = row ? row.querySelector(".errorlist") : null;
  return list ? Array.from(list.querySelectorAll("li"), (li) => li.textContent) : [];
}

function readSchema() {
  const node = document.getElementById("tr-config-schema");
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return null;
  }
}

function mount(textarea) {
  const schema = readSchema();
  const helpId = textarea.getAttribute("aria-describedby");
  const sync = EditorView.updateListener.of((update) => {
    if (update.docChanged) textarea.value = update.state.doc.toString();
  });
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    foldGutter(),
    history(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    json(),
    linter(jsonParseLinter(), { delay: 400 }),
    lintGutter(),
    keymap.of([
      ...closeBracketsKeymap,
      ...completionKeymap,
      ...lintKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      indentWithTab,
    ]),
    EditorState.tabSize.of(2),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({
      "aria-label": "Config (JSON)",
      tabindex: "0",
      ...(helpId ? { "aria-describedby": helpId } : {}),
    }),
    sync,
  ];
  if (schema) {
    extensions.push(autocompletion({ override: [schemaCompletion(schema)] }));
    extensions.push(linter(schemaLinter(schema), { delay: 500 }));
  }
  // The server's errors stay marked until the text changes: a linter of their own, so the JSON and schema
  // linters' runs (which replace every diagnostic they did not produce) keep them.
  const submitted = textarea.value;
  let serverMarks = [];
  extensions.push(linter((view) => (view.state.doc.toString() === submitted ? serverMarks : []), { delay: 400 }));
  const wrapper = document.createElement("div");
  wrapper.className = "tr-editor";
  textarea.after(wrapper);
  const view = new EditorView({ state: EditorState.create({ doc: submitted, extensions }), parent: wrapper });
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;

  const marked = serverErrors(textarea)
    .map((message) => ({ message, at: serverOffset(view.state.doc, message) }))
    .filter((error) => error.at !== null);
  if (marked.length) {
    serverMarks = marked.map(({ message, at }) => {
      const line = view.state.doc.lineAt(at);
      return { from: at, to: Math.max(at, line.to), severity: "error", message, source: "server" };
    });
    view.dispatch(setDiagnostics(view.state, serverMarks));
    view.dispatch({ selection: { anchor: marked[0].at }, scrollIntoView: true });
    wrapper.dataset.errorLine = String(view.state.doc.lineAt(marked[0].at).number);
  }
  window.trEditor = view;
  return view;
}

function start() {
  document.querySelectorAll("textarea.tr-json[name='config']").forEach(mount);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
