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
import { serverMarks } from "./server_errors.js";

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

const KEYS = keymap.of([
  ...closeBracketsKeymap,
  ...completionKeymap,
  ...lintKeymap,
  ...defaultKeymap,
  ...searchKeymap,
  ...historyKeymap,
  ...foldKeymap,
  indentWithTab,
]);

function basics(textarea) {
  const helpId = textarea.getAttribute("aria-describedby");
  return [
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
    KEYS,
    EditorState.tabSize.of(2),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({
      "aria-label": "Config (JSON)",
      tabindex: "0",
      ...(helpId ? { "aria-describedby": helpId } : {}),
    }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) textarea.value = update.state.doc.toString();
    }),
  ];
}

// The server's errors stay marked until the text changes: a linter of their own, so the JSON and schema
// linters' runs (which replace every diagnostic they did not produce) keep them.
function markServerErrors(view, textarea, wrapper) {
  const marks = serverMarks(view.state.doc, serverErrors(textarea));
  if (!marks.length) return [];
  view.dispatch(setDiagnostics(view.state, marks));
  view.dispatch({ selection: { anchor: marks[0].from }, scrollIntoView: true });
  wrapper.dataset.errorLine = String(view.state.doc.lineAt(marks[0].from).number);
  return marks;
}

function mount(textarea) {
  const schema = readSchema();
  const submitted = textarea.value;
  let marks = [];
  const extensions = basics(textarea);
  if (schema) {
    extensions.push(autocompletion({ override: [schemaCompletion(schema)] }));
    extensions.push(linter(schemaLinter(schema), { delay: 500 }));
  }
  extensions.push(linter((view) => (view.state.doc.toString() === submitted ? marks : []), { delay: 400 }));
  const wrapper = document.createElement("div");
  wrapper.className = "tr-editor";
  textarea.after(wrapper);
  const view = new EditorView({ state: EditorState.create({ doc: submitted, extensions }), parent: wrapper });
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  marks = markServerErrors(view, textarea, wrapper);
  window.trEditor = view;
  return view;
}

function start() {
  document.querySelectorAll("textarea.tr-json[name='config']").forEach(mount);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
