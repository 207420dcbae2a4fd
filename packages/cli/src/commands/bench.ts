// `omq bench thr|lat`: throughput and latency over tcp, ipc, inproc or ws, in one process or
// between two, with a table (or --json) at the end. The work is in ../bench/; this file is the
// command line: options, help, and exit codes (2 for a usage error, 1 for a failed run).
import { type Command, type CommanderError, Option } from "commander"
import { writeChart } from "../bench/charts.js"
import {
  type BenchMode,
  DEFAULT_COUNT,
  type RawBenchOptions,
  resolveOptions,
  TRANSPORTS,
  UsageError,
} from "../bench/options.js"
import { renderTable, toJson } from "../bench/report.js"
import { runBench } from "../bench/run.js"

const TWO_PROCESSES = `
Two processes (like libzmq's local_thr/remote_thr and local_lat/remote_lat): one side --bind,
the other --connect. By default the bound side receives (thr) or echoes (lat), and the
connecting side sends or measures; to swap them, give --role on both sides. The sending or
measuring side's plan (--size, --count, --duration, --warmup) travels to the other in a start
message, so the other side needs only its endpoint. Each side prints its own table; in thr the
receiver's is the one that counts (the sender's clock also runs while its first messages wait
in the queue). Either side runs libzmq instead with --lib zeromq.`

const EXAMPLES: Record<BenchMode, string> = {
  thr: `
Examples:
  omq bench thr                                  # PUSH → PULL over tcp in this process
  omq bench thr -t ipc -s 1k -d 5s --chart thr.svg
  omq bench thr --compare zeromq --runs 3        # omq and zeromq.js, interleaved, medians
  omq bench thr --bind tcp://*:5555              # host A: receive and measure
  omq bench thr --connect tcp://hostA:5555 -s 256 -n 1m   # host B: send`,
  lat: `
Examples:
  omq bench lat                                  # REQ ↔ REP round trips over tcp
  omq bench lat --pattern dealer -t ws --chart lat.svg
  omq bench lat --compare zeromq --json
  omq bench lat --bind tcp://*:5556              # host A: echo
  omq bench lat --connect tcp://hostA:5556 -n 50k   # host B: measure`,
}

/** Usage errors exit 2 (commander's own included); help and version exit 0. */
function exitWithCode2(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? 0 : 2)
}

function addModeCommand(bench: Command, mode: BenchMode, summary: string): void {
  const sockets = mode === "thr" ? "PUSH → PULL" : "REQ ↔ REP (or DEALER ↔ ROUTER)"
  const command = bench
    .command(mode)
    .description(`${summary}: ${sockets}`)
    .addOption(
      new Option("-t, --transport <name>", "transport of an in-process run").choices([
        ...TRANSPORTS,
      ]),
    )
    .option("--bind <endpoint>", "run one side, bound here (two processes)")
    .option("--connect <endpoint>", "run one side, connected here (two processes)")
    .addOption(
      new Option("--role <role>", "this side's part, when not the default").choices(
        mode === "thr" ? ["send", "receive"] : ["client", "server"],
      ),
    )
    .option("-s, --size <bytes>", "message size: 64, 1k, 1m", "64")
    .option(
      "-n, --count <n>",
      `${mode === "thr" ? "messages" : "round trips"} (default ${DEFAULT_COUNT[mode]})`,
    )
    .option("-d, --duration <time>", "run for a time instead: 10s, 500ms, 2m")
    .option(
      "--io-threads <n>",
      "the context's IO threads (0: in this thread; zeromq.js gets ≥ 1)",
      "1",
    )
    .option("--runs <n>", "repeat in-process runs and report medians", "1")
    .option("--compare <library>", "also run the case on zeromq.js and print omq / zeromq.js")
    .option("--lib <library>", "the library of this side: omq or zeromq", "omq")
    .option("--json", "print one JSON object instead of the table")
    .option(
      "--chart <file.svg>",
      mode === "thr" ? "draw the rate over time" : "draw the latency histogram and CDF",
    )
    .option("--bins <n>", "bars or points in the chart")
    .option(
      "--warmup <n>",
      `${mode === "thr" ? "messages" : "round trips"} before the measured ones (start-up, JIT)`,
      mode === "thr" ? "10000" : "100",
    )
    .option("--progress", "show the progress bar even when stderr is not a terminal")
    .option("--no-progress", "never show the progress bar")
  if (mode === "lat")
    command.addOption(
      new Option("--pattern <sockets>", "req: REQ ↔ REP; dealer: DEALER ↔ ROUTER")
        .choices(["req", "dealer"])
        .default("req"),
    )
  command
    .addHelpText("after", `${TWO_PROCESSES}\n${EXAMPLES[mode]}`)
    .showHelpAfterError(`(omq bench ${mode} --help lists the options)`)
    .exitOverride(exitWithCode2)
    .action(async (raw: RawBenchOptions) => {
      try {
        const options = resolveOptions(mode, raw)
        const result = await runBench(options, (endpoint) => {
          process.stderr.write(`omq bench: bound to ${endpoint}\n`)
        })
        if (options.chart) writeChart(result, options.chart)
        process.stdout.write(
          options.json ? `${JSON.stringify(toJson(result))}\n` : `${renderTable(result)}\n`,
        )
      } catch (error) {
        if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: 2 })
        const code = (error as { code?: string }).code
        // A malformed endpoint that passed the first check still fails at bind or connect.
        if (code === "EINVAL" || code === "EPROTONOSUPPORT")
          command.error(`error: ${(error as Error).message}`, { exitCode: 2 })
        process.stderr.write(`omq bench ${mode}: ${(error as Error).message}\n`)
        // Exit now: a progress bar's timer or a socket of the failed run would keep us alive.
        process.exit(1)
      }
    })
}

export function addBenchCommand(program: Command): void {
  const bench = program
    .command("bench")
    .description("measure throughput (thr) and latency (lat) over tcp, ipc, inproc or ws")
    .exitOverride(exitWithCode2)
  addModeCommand(bench, "thr", "throughput")
  addModeCommand(bench, "lat", "round-trip latency and its percentiles")
}
