// The smoke suite on another runtime: every example (through the examples' tests) and the
// interop tests, run by that runtime's own test runner, so each example and each libzmq peer
// test runs on it. The runtimes come from checks/'s devDependencies (pinned npm packages).
//
//   node scripts/smoke.js node22|node24|bun|deno
//
// On Bun and Deno the in-process interop tests are left out: the `zeromq` addon they use as
// libzmq's side panics on Bun (uv_poll_init_socket) and crashes under Deno. There
// checks/smoke/interop.test.js (run everywhere) runs omq on the runtime against libzmq in a Node process.
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const bins = `${root}checks/node_modules/`
const runtimes = {
  node22: `${bins}node22/bin/node`,
  node24: `${bins}node24/bin/node`,
  bun: `${bins}@oven/bun-linux-x64/bin/bun`,
  deno: `${bins}@deno/linux-x64-glibc/deno`,
}

const name = process.argv[2]
const binary = runtimes[name]
if (!binary) {
  console.error(`usage: node scripts/smoke.js ${Object.keys(runtimes).join("|")}`)
  process.exit(2)
}

const tests = (dir, pattern) =>
  readdirSync(`${root}${dir}`)
    .filter((f) => pattern.test(f))
    .map((f) => `./${dir}/${f}`)
const examples = [
  ...tests("packages/runtime/dist/test", /^examples\.test\.js$/),
  ...tests("packages/patterns/dist/test", /^(\w+-)?examples\.test\.js$/),
]
const libzmqInProcess = [
  ...tests("packages/runtime/dist/test", /^interop-.*\.test\.js$/),
  ...tests("packages/patterns/dist/test", /-interop\.test\.js$/),
]
const checks = tests("checks/smoke", /\.test\.js$/) // require/import, libzmq in a Node process
const node = name.startsWith("node")
const files = [...examples, ...(node ? libzmqInProcess : []), ...checks]

const args = {
  node: ["--test", "--test-concurrency=2", "--test-timeout=120000"],
  bun: ["test", "--timeout", "120000"],
  deno: ["test", "--allow-all", "--no-check", "--quiet"],
}[node ? "node" : name]
const started = performance.now()
const result = spawnSync(binary, [...args, ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, OMQ_SMOKE_NODE: process.execPath },
})
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(`smoke on ${name}: ${files.length} test files, exit ${result.status}, ${seconds} s`)
process.exit(result.status ?? 1)
