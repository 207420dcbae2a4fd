// What the cross-process benchmarks share: opening the library under test, starting a role of
// the same script as a child with an IPC channel, waiting for one of its messages, waiting for
// it to exit, and medians.
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

/** Runs `script` (an import.meta.url) again as a child process with `args`. */
export function child(script, args) {
  return spawn(process.execPath, [fileURLToPath(script), ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  })
}

/** The child's first IPC message that `pick` accepts; rejects if the child fails first. */
export function message(proc, pick) {
  return new Promise((resolve, reject) => {
    proc.on("message", (m) => pick(m) && resolve(m))
    proc.on("exit", (code) => code !== 0 && reject(new Error(`child exited ${code}`)))
  })
}

export const exited = (proc) =>
  new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.on("exit", resolve)))

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * The library a role runs: "zeromq", or omq with "omq-io0" / "omq-io1" IO threads. Returns its
 * socket classes, the options every socket takes (omq's context), and `done` to terminate.
 */
export async function openLib(lib) {
  if (lib === "zeromq") return { ...(await import("zeromq")), opts: {}, done: async () => {} }
  const omq = await import("omq")
  const context = new omq.Context({ ioThreads: lib === "omq-io0" ? 0 : 1 })
  return { ...omq, opts: { context }, done: () => context.terminate() }
}

/**
 * The command line every cross-process bench takes: which role a child plays (none for the
 * parent), the library under test, the endpoint to connect to, the number of runs, plus the
 * bench's own `options` (parseArgs option specs; they may override these defaults).
 */
export function benchArgs(options) {
  const common = {
    role: { type: "string" },
    lib: { type: "string" },
    endpoint: { type: "string" },
    runs: { type: "string", default: "3" },
  }
  return parseArgs({ options: { ...common, ...options } }).values
}

/**
 * Starts a measurement's two children from `script`: the `binder` role first, then the
 * `connector` role with the endpoint the binder reports. Both get `--lib lib` and `params`.
 */
export async function startPair(script, lib, binder, connector, params) {
  const args = (role, extra) => [
    "--role",
    role,
    "--lib",
    lib,
    ...Object.entries({ ...params, ...extra }).flatMap(([k, v]) => [`--${k}`, `${v}`]),
  ]
  const first = child(script, args(binder, {}))
  const { endpoint } = await message(first, (m) => m.endpoint)
  return [first, child(script, args(connector, { endpoint }))]
}
