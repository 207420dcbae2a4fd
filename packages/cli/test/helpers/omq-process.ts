// Runs the `omq` executable as a user would: a child process with its stdin, stdout and stderr
// as pipes. Every process started here is killed by killAll() (call it in afterEach).
import { type ChildProcess, spawn } from "node:child_process"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const MAIN = fileURLToPath(new URL("../../src/main.js", import.meta.url))
/** Longest a test waits for one line or one exit before it fails. */
const WAIT_MS = 10_000

export interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: Buffer
  stderr: string
}

const running = new Set<OmqProcess>()

export class OmqProcess {
  readonly proc: ChildProcess
  readonly args: string[]
  #stdout: Buffer[] = []
  stderr = ""
  readonly #changed = new Set<() => void>()
  readonly exited: Promise<Outcome>

  /** @param stdin a pipe to write(), nothing, or a file descriptor to read from */
  constructor(args: string[], stdin: "pipe" | "ignore" | number = "pipe") {
    this.args = args
    this.proc = spawn(process.execPath, [MAIN, ...args], { stdio: [stdin, "pipe", "pipe"] })
    running.add(this)
    this.proc.stdout!.on("data", (chunk: Buffer) => {
      this.#stdout.push(chunk)
      this.#notify()
    })
    this.proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk
      this.#notify()
    })
    this.proc.stdin?.on("error", () => {}) // a process that ended before reading all of it
    this.exited = new Promise((resolve) => {
      this.proc.on("close", (code, signal) => {
        running.delete(this)
        this.#notify()
        resolve({ code, signal, stdout: this.stdoutBytes, stderr: this.stderr })
      })
    })
  }

  get stdoutBytes(): Buffer {
    return Buffer.concat(this.#stdout)
  }

  get stdout(): string {
    return this.stdoutBytes.toString("utf8")
  }

  #notify(): void {
    for (const listener of [...this.#changed]) listener()
  }

  /** Resolves once `test` holds for the output so far; fails after WAIT_MS or at exit. */
  until<T>(test: () => T | undefined | null | false, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = test()
        if (value) {
          done()
          resolve(value)
        } else if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          done()
          reject(new Error(`omq ${this.args.join(" ")} exited before ${what}\n${this.stderr}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(
          new Error(`no ${what} from omq ${this.args.join(" ")} in ${WAIT_MS} ms\n${this.stderr}`),
        )
      }, WAIT_MS)
      const done = () => {
        clearTimeout(timer)
        this.#changed.delete(check)
      }
      this.#changed.add(check)
      check()
    })
  }

  /** The first match of `re` on stdout. */
  stdoutMatch(re: RegExp): Promise<RegExpMatchArray> {
    return this.until(() => this.stdout.match(re), `stdout ${re}`)
  }

  /** The first match of `re` on stderr. */
  stderrMatch(re: RegExp): Promise<RegExpMatchArray> {
    return this.until(() => this.stderr.match(re), `stderr ${re}`)
  }

  /** The endpoint of the `n`th bind (0-based) as `bound to …` reports it. */
  async bound(n = 0): Promise<string> {
    const all = () => [...this.stderr.matchAll(/bound to (\S+)/g)].map((m) => m[1]!)
    return (await this.until(() => all().length > n && all(), `bind #${n}`))[n]!
  }

  write(data: string | Buffer): void {
    this.proc.stdin!.write(data)
  }

  end(data?: string | Buffer): void {
    this.proc.stdin!.end(data)
  }

  /** The exit, which must come within WAIT_MS. */
  exit(): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`omq ${this.args.join(" ")} did not exit\n${this.stderr}`)),
        WAIT_MS,
      )
    })
    return Promise.race([this.exited, late]).finally(() => clearTimeout(timer))
  }
}

/** Starts `omq ARGS...`. */
export function omq(...args: string[]): OmqProcess {
  return new OmqProcess(args)
}

/** Runs `omq ARGS...` with `input` on stdin to its exit. */
export function omqRun(args: string[], input?: string | Buffer): Promise<Outcome> {
  const process_ = new OmqProcess(args, input === undefined ? "ignore" : "pipe")
  if (input !== undefined) process_.end(input)
  return process_.exit()
}

/**
 * Kills every omq process still running (SIGKILL), waits for them to be gone, and removes the
 * ipc paths (a killed process leaves its socket file behind).
 */
export async function killAll(): Promise<void> {
  const left = [...running]
  for (const p of left) p.proc.kill("SIGKILL")
  await Promise.all(left.map((p) => p.exited))
  for (const path of ipcPaths.splice(0)) rmSync(path, { force: true })
}

let ipcCount = 0
const ipcPaths: string[] = []
/** A fresh ipc endpoint for this test process. */
export function ipcEndpoint(): string {
  const path = `/tmp/omq-cli-test-${process.pid}-${++ipcCount}`
  ipcPaths.push(path)
  return `ipc://${path}`
}

/** Transports a test body runs over, each with a bind endpoint for a fresh port or path. */
export const TRANSPORTS: ReadonlyArray<{ name: string; endpoint: () => string }> = [
  { name: "tcp", endpoint: () => "tcp://127.0.0.1:*" },
  { name: "ipc", endpoint: ipcEndpoint },
  { name: "ws", endpoint: () => "ws://127.0.0.1:*" },
]

/**
 * Writes `line` to `sender` every `everyMs` until `received` resolves: for PUB and RADIO, which
 * drop what they send before the subscription or join arrives, and say nothing when it does.
 */
export async function repeatUntil<T>(
  sender: OmqProcess,
  line: string,
  received: Promise<T>,
  everyMs = 50,
): Promise<T> {
  sender.write(line)
  const timer = setInterval(() => sender.write(line), everyMs)
  try {
    return await received
  } finally {
    clearInterval(timer)
  }
}
