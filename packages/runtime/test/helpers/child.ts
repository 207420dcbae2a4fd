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
  let stdout = ""
  let stderr = ""
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = []
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    for (const w of [...waiters]) {
      const hit = stdout.split("\n").find((l) => w.re.test(l))
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(hit)
      }
    }
  })
  proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.once("exit", (code, signal) => {
      child.exited = true
      resolve({ code, signal })
    }),
  )
  const child: Child = {
    proc,
    exited: false,
    line(re) {
      const hit = stdout.split("\n").find((l) => re.test(l))
      if (hit !== undefined) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve })
        done.then(() => reject(new Error(`exited before printing ${re}; stderr: ${stderr}`)))
      })
    },
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
            `\nstdout: ${stdout}\nstderr: ${stderr}`,
        )
      }
      return { ...outcome, stdout, stderr }
    },
  }
  return child
}
