// Fixtures run as child processes that must exit on their own: start one, wait for its lines,
// and fail (killing it) if it outlives its bound.
import { strict as assert } from "node:assert"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const REPO = fileURLToPath(new URL("../../../../", import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url))

export interface Outcome {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

export interface Child {
  proc: ChildProcess
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp): Promise<string>
  /** Resolves with the first stderr line matching `re`. */
  errorLine(re: RegExp): Promise<string>
  /** Resolves when the process exits on its own; fails (and kills it) after bound. */
  exit(): Promise<Outcome>
  exited: boolean
}

/**
 * Starts fixture `name` (compiled, from test/fixtures) with `args`, and node's `nodeFlags`
 * before it; it must exit within `bound` ms.
 */
export function run(name: string, args: string[], bound: number, nodeFlags: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeFlags, fixture(name), ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  })
  const text = { stdout: "", stderr: "" }
  const waiters: Array<{ stream: keyof typeof text; re: RegExp; resolve: (l: string) => void }> = []
  const firstLine = (stream: keyof typeof text, re: RegExp): string | undefined =>
    text[stream].split("\n").find((l) => re.test(l))
  for (const stream of ["stdout", "stderr"] as const) {
    proc[stream]!.setEncoding("utf8").on("data", (chunk: string) => {
      text[stream] += chunk
      for (const w of waiters.filter((w) => w.stream === stream)) {
        const hit = firstLine(stream, w.re)
        if (hit !== undefined) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(hit)
        }
      }
    })
  }
  const waitFor = (stream: keyof typeof text, re: RegExp): Promise<string> => {
    const hit = firstLine(stream, re)
    if (hit !== undefined) return Promise.resolve(hit)
    return new Promise((resolve, reject) => {
      waiters.push({ stream, re, resolve })
      done.then(() => reject(new Error(`exited before printing ${re}; stderr: ${text.stderr}`)))
    })
  }
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      child.exited = true
      resolve({ code, signal })
    }),
  )
  const child: Child = {
    proc,
    exited: false,
    line: (re) => waitFor("stdout", re),
    errorLine: (re) => waitFor("stderr", re),
    async exit() {
      let timer: ReturnType<typeof setTimeout> | undefined
      const hung = new Promise<"hung">((resolve) => {
        timer = setTimeout(() => resolve("hung"), bound)
      })
      const outcome = await Promise.race([done, hung])
      clearTimeout(timer)
      if (outcome === "hung") {
        proc.kill("SIGKILL")
        await done
        assert.fail(
          `${name} ${args.join(" ")} did not exit on its own within ${bound} ms` +
            `\nstdout: ${text.stdout}\nstderr: ${text.stderr}`,
        )
      }
      return { ...outcome, ...text }
    },
  }
  return child
}
