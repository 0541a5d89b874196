// Parse every ```mermaid block of the markdown files given with Mermaid's own parser (what GitHub
// renders comments with). Prints one line per block, "ok N" or "error N: message"; exits 1 when
// any block fails to parse, 2 when a file has no block at all.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

// Mermaid's sanitiser (DOMPurify) needs a DOM; jsdom gives it one outside a browser.
const { window } = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const BLOCK = /^```mermaid\n([\s\S]*?)^```$/gm;
let failed = false;
for (const file of process.argv.slice(2)) {
  const blocks = [...readFileSync(file, "utf8").matchAll(BLOCK)].map((m) => m[1]);
  if (blocks.length === 0) {
    console.log(`error ${file}: no mermaid block`);
    process.exit(2);
  }
  for (const [index, block] of blocks.entries()) {
    try {
      await mermaid.parse(block);
      console.log(`ok ${file}#${index + 1}`);
    } catch (error) {
      failed = true;
      console.log(`error ${file}#${index + 1}: ${String(error.message ?? error).split("\n").join(" ")}`);
    }
  }
}
process.exit(failed ? 1 : 0);
