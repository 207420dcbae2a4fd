// A two-host network for fault tests, made of Linux network namespaces (root only): A and B,
// joined by a veth pair, 10.77.0.1 in A and 10.77.0.2 in B. Processes run inside with
// `ip netns exec`; faults are nft rules in B's own ruleset (a partition drops everything on B's
// link, loss drops a random share) or B's link set down. Each lab's namespaces are named for
// this process and a counter, so parallel runs never share one; destroy() removes them, and a
// later create() removes those of runs that died without it.
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { once } from "node:events"
import { promisify } from "node:util"

const run = promisify(execFile)
const PREFIX = "omqt-"
/** The nft table each fault lives in; deleting it heals. */
const TABLE = "omq_fault"
/** How long a wait for a line lasts before the test fails, showing what the process said. */
const WAIT = 30_000

export interface Host {
  /** The namespace's name (for `ip netns exec`). */
  readonly ns: string
  /** Its address on the link between the hosts. */
  readonly address: string
  /** Its end of the link. */
  readonly iface: string
}

let labs = 0

export class NetLab {
  readonly a: Host
  readonly b: Host
  readonly #processes: HostProcess[] = []
  #destroyed = false

  private constructor(id: string) {
    this.a = { ns: `${id}-a`, address: "10.77.0.1", iface: "veth-a" }
    this.b = { ns: `${id}-b`, address: "10.77.0.2", iface: "veth-b" }
  }

  /**
   * Two namespaces joined by a veth pair, each with its loopback up. Throws, saying why, when
   * this process is not root or `ip netns add` fails: the fault tests need both.
   */
  static async create(): Promise<NetLab> {
    if (process.getuid?.() !== 0) {
      throw new Error(
        "the network-fault tests need root (they make network namespaces with `ip netns` and " +
          "nft rules); this process is not root. CI runs them as root, with iproute2 and nftables.",
      )
    }
    await removeStale()
    const lab = new NetLab(`${PREFIX}${process.pid}-${labs++}`)
    try {
      await ip("netns", "add", lab.a.ns)
      await ip("netns", "add", lab.b.ns)
      // Both ends are made inside their namespaces: the host's own links are never touched.
      await ip(
        ...["link", "add", lab.a.iface, "netns", lab.a.ns, "type", "veth"],
        ...["peer", "name", lab.b.iface, "netns", lab.b.ns],
      )
      for (const host of [lab.a, lab.b]) {
        await ip("-n", host.ns, "addr", "add", `${host.address}/24`, "dev", host.iface)
        await ip("-n", host.ns, "link", "set", host.iface, "up")
        await ip("-n", host.ns, "link", "set", "lo", "up")
      }
    } catch (err) {
      await lab.destroy()
      throw new Error(
        `could not build the test network (ip netns, veth): ${(err as Error).message}. ` +
          "The network-fault tests need root with iproute2 installed.",
      )
    }
    try {
      await run("ip", ["netns", "exec", lab.b.ns, "nft", "list", "ruleset"])
    } catch (err) {
      await lab.destroy()
      const why = (err as { stderr?: string }).stderr?.trim() || (err as Error).message
      throw new Error(`nft does not work in a test namespace (${why}): install nftables.`)
    }
    return lab
  }

  /** Runs `node script args…` inside `host`'s namespace; destroy() ends it. */
  node(host: Host, script: string, ...args: string[]): HostProcess {
    const child = spawn("ip", ["netns", "exec", host.ns, process.execPath, script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    })
    const proc = new HostProcess(child, script.replace(/.*\//, ""))
    this.#processes.push(proc)
    return proc
  }

  /** Cuts `host` off: every packet in or out of its link is dropped, silently (no RST, no error). */
  async partition(host: Host): Promise<void> {
    await this.#faults(
      host,
      `iifname "${host.iface}" counter drop`,
      `oifname "${host.iface}" counter drop`,
    )
  }

  /** Drops `percent` % of the packets in and out of `host`'s link, at random. */
  async loss(host: Host, percent: number): Promise<void> {
    const rule = (dir: string) =>
      `${dir}name "${host.iface}" numgen random mod 100 lt ${percent} counter drop`
    await this.#faults(host, rule("iif"), rule("oif"))
  }

  /** Removes `host`'s nft faults (a partition or loss). */
  async heal(host: Host): Promise<void> {
    await nft(host, "delete", "table", "inet", TABLE)
  }

  /** Packets dropped by `host`'s nft faults so far. */
  async dropped(host: Host): Promise<number> {
    const { stdout } = await run("ip", [
      "netns",
      "exec",
      host.ns,
      "nft",
      "list",
      "table",
      "inet",
      TABLE,
    ])
    let total = 0
    for (const [, packets] of stdout.matchAll(/counter packets (\d+)/g)) total += Number(packets)
    return total
  }

  /** Sets `host`'s link down (both ends lose carrier: sends fail at once) or up again. */
  async link(host: Host, state: "up" | "down"): Promise<void> {
    await ip("-n", host.ns, "link", "set", host.iface, state)
  }

  /** Ends every process started here (SIGKILL), then removes the namespaces. Safe to repeat. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return
    this.#destroyed = true
    await Promise.all(this.#processes.map((p) => p.kill("SIGKILL")))
    for (const host of [this.a, this.b]) {
      await killAll(host.ns)
      await ip("netns", "del", host.ns).catch(() => {}) // never made, or made half
    }
  }

  async #faults(host: Host, ...rules: string[]): Promise<void> {
    const script = [
      `table inet ${TABLE} {`,
      "  chain input {",
      "    type filter hook input priority 0; policy accept;",
      `    ${rules[0]}`,
      "  }",
      "  chain output {",
      "    type filter hook output priority 0; policy accept;",
      `    ${rules[1]}`,
      "  }",
      "}",
    ].join("\n")
    const child = spawn("ip", ["netns", "exec", host.ns, "nft", "-f", "-"], {
      stdio: ["pipe", "ignore", "pipe"],
    })
    let stderr = ""
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk))
    child.stdin!.end(script)
    const [code] = await once(child, "exit")
    if (code !== 0) throw new Error(`nft -f failed (${code}): ${stderr}\n${script}`)
  }
}

/** A process in a namespace, its output kept line by line to wait on. */
export class HostProcess {
  readonly lines: string[] = []
  readonly exited: Promise<number | null>
  #waiters: Array<() => void> = []

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = ""
      stream.on("data", (chunk: Buffer) => {
        const parts = (partial + chunk).split("\n")
        partial = parts.pop()!
        this.lines.push(...parts)
        for (const wake of this.#waiters.splice(0)) wake()
      })
    }
    this.exited = once(child, "exit").then(([code]) => {
      for (const wake of this.#waiters.splice(0)) wake()
      return code as number | null
    })
  }

  /** How many lines so far: a mark for waitFor's `from`. */
  get mark(): number {
    return this.lines.length
  }

  /**
   * The first line from index `from` on that matches `pattern`, as soon as it is printed.
   * Rejects if the process exits first, or after 30 s, with what it printed.
   */
  async waitFor(pattern: RegExp, from = 0): Promise<RegExpExecArray> {
    const [found] = await this.waitForCount(pattern, 1, from)
    return found!
  }

  /** The first `count` lines from index `from` on that match `pattern` (as waitFor). */
  async waitForCount(pattern: RegExp, count: number, from = 0): Promise<RegExpExecArray[]> {
    const deadline = Date.now() + WAIT
    const found: RegExpExecArray[] = []
    let exited = false
    void this.exited.then(() => (exited = true))
    for (let at = from; ; ) {
      for (; at < this.lines.length; at++) {
        const match = pattern.exec(this.lines[at]!)
        if (match && found.push(match) === count) return found
      }
      const what = `${count} lines matching ${pattern}`
      if (exited) throw this.#failure(`exited before printing ${what}`)
      if (Date.now() >= deadline) throw this.#failure(`printed no ${what} in ${WAIT} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now())
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Lines matching `pattern` so far. */
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length
  }

  /** Signals the process and waits for it to end. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
    return this.exited
  }

  #failure(what: string): Error {
    return new Error(`${this.name} ${what}; its output:\n${this.lines.join("\n")}`)
  }
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run("ip", args)
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim()
    throw new Error(`ip ${args.join(" ")}: ${stderr || (err as Error).message}`)
  }
}

async function nft(host: Host, ...args: string[]): Promise<void> {
  try {
    await run("ip", ["netns", "exec", host.ns, "nft", ...args])
  } catch (err) {
    throw new Error(`nft ${args.join(" ")} in ${host.ns}: ${(err as { stderr?: string }).stderr}`)
  }
}

/** SIGKILLs whatever still runs in namespace `ns` (orphans of a run that died). */
async function killAll(ns: string): Promise<void> {
  const { stdout } = await run("ip", ["netns", "pids", ns]).catch(() => ({ stdout: "" }))
  for (const pid of stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL")
    } catch {
      // gone already
    }
  }
}

/** Removes the namespaces of test runs whose process is gone (killed before destroy()). */
async function removeStale(): Promise<void> {
  const { stdout } = await run("ip", ["netns", "list"]).catch(() => ({ stdout: "" }))
  for (const [, ns, pid] of stdout.matchAll(new RegExp(`^(${PREFIX}(\\d+)-\\S+)`, "gm"))) {
    if (alive(Number(pid))) continue
    await killAll(ns!)
    await ip("netns", "del", ns!).catch(() => {})
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"
  }
}
