// The report page's own files (page/page.css, page/page.js and the modules it imports), read when a
// report is written and inlined, so report.html stays one self-contained file that fetches nothing.
import { readFileSync } from "node:fs";
import { SYSTEM_COLORS } from "./page/colors.js";

const PAGE_FOLDER = new URL("./page/", import.meta.url);

function pageFile(name: string): string {
  return readFileSync(new URL(name, PAGE_FOLDER), "utf8");
}

/** `text`, checked to be safe inside an inline <style> or <script>: "</tag" or "<!--" would end or confuse it. */
export function checkInlinable(name: string, text: string, tag: "style" | "script"): string {
  if (text.toLowerCase().includes(`</${tag}`) || text.includes("<!--")) throw new Error(`report page file ${name} contains "</${tag}" or "<!--" and cannot be inlined`);
  return text;
}

let styleCache: string | undefined;
let scriptCache: string | undefined;

/** The text of the page's <style>: the system colour variables (from colors.js), then page.css. */
export function pageStyle(): string {
  if (styleCache === undefined) {
    const colors = `:root { --market: ${SYSTEM_COLORS.market}; --centralized: ${SYSTEM_COLORS.centralized}; --multiCloud: ${SYSTEM_COLORS.multiCloud}; }`;
    styleCache = `\n${colors}\n${checkInlinable("page.css", pageFile("page.css"), "style")}`;
  }
  return styleCache;
}

/** `import { a, b } from "./name.js";` (or `"../dir/name.js"`): the only import a page module may have (another page module). */
const IMPORT_LINE = /^import \{[\w\s,]+\} from "(\.\.?\/[\w/.-]+\.js)";$/;
const EXPORT_PREFIX = /^export (?=(?:async )?function |const |let |var |class )/;

/**
 * One page module and, ahead of it, the modules it imports (each once, dependencies first), as
 * classic-script text: its import lines dropped and its `export` keywords taken off, so all of
 * them share the one scope of the page's <script> (their top-level names must therefore differ).
 */
function moduleTexts(file: URL, done: Set<string>): string[] {
  if (done.has(file.href)) return [];
  done.add(file.href);
  const name = file.pathname.split("/").slice(-2).join("/"); // "page/colors.js"
  const texts: string[] = [];
  const body: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const imported = IMPORT_LINE.exec(line);
    if (imported) texts.push(...moduleTexts(new URL(imported[1]!, file), done));
    else if (/^\s*(import|export)\b/.test(line) && !EXPORT_PREFIX.test(line)) {
      throw new Error(`report page file ${name}: "${line.trim()}" cannot be inlined (only "import { … } from "./x.js";" and "export function|const …")`);
    } else body.push(line.replace(EXPORT_PREFIX, ""));
  }
  texts.push(`// ${name}\n${body.join("\n")}`);
  return texts;
}

/**
 * The text of a page's <script>: the page module at `entry` and its imports (relative, possibly
 * from another page folder) in one strict-mode function. Shared by report.html and experiment.html.
 */
export function inlineScript(entry: URL): string {
  const modules = moduleTexts(entry, new Set()).join("\n");
  return checkInlinable(entry.pathname.split("/").pop()!, `\n(function () {\n"use strict";\n${modules}})();\n`, "script");
}

/** The text of the page's chart <script>: page.js and its imports in one strict-mode function. */
export function pageScript(): string {
  if (scriptCache === undefined) scriptCache = inlineScript(new URL("page.js", PAGE_FOLDER));
  return scriptCache;
}
