// Runs every compiled test file of every package with node's built-in test runner, then the
// smoke suite on Node 22, Node 24, Bun and Deno (scripts/smoke.js).
// (Node 20's --test takes no globs, so the files are listed here.)
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const roots = [
  "packages/transport/dist/test",
  "packages/runtime/dist/test",
  "packages/patterns/dist/test",
  "packages/cli/dist/test",
  "checks/smoke",
  "checks/tests",
]
const files = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (name.endsWith(".test.js")) files.push(path)
  }
}
for (const root of roots) {
  try {
    walk(root)
  } catch {
    // a package without tests yet
  }
}
if (files.length === 0) {
  console.error("no test files found: did the build run?")
  process.exit(1)
}
const concurrency = 2
const result = spawnSync(
  process.execPath,
  [
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-timeout=120000",
    ...process.argv.slice(2),
    ...files,
  ],
  { stdio: "inherit" },
)
if (result.status !== 0) process.exit(result.status ?? 1)

// Then the smoke suite (examples and interop) on the other runtimes, one after another: each
// runner already uses both cores. Skipped only when arguments narrow the run (a developer's
// `node scripts/run-tests.js --test-name-pattern=...`).
if (process.argv.length > 2) process.exit(0)
for (const runtime of ["node22", "node24", "bun", "deno"]) {
  const smoke = spawnSync(process.execPath, ["scripts/smoke.js", runtime], { stdio: "inherit" })
  if (smoke.status !== 0) process.exit(smoke.status ?? 1)
}
