// The `omq` command tree. Runs on the main thread of the `omq` process; each command lives in its
// own file under commands/ and adds itself to the program here.
import { Command } from "commander"
import { addBenchCommand } from "./commands/bench.js"
import { addCatCommand } from "./commands/cat.js"
import { addKeygenCommand } from "./commands/keygen.js"
import { addMonitorCommand } from "./commands/monitor.js"
import { addProxyCommand } from "./commands/proxy.js"

export function createProgram(): Command {
  const program = new Command("omq")
    .description("Talk to any ZeroMQ endpoint from a shell: cat, monitor, proxy, keygen, bench")
    .showHelpAfterError()
    // Errors throw instead of exiting, so main.ts gives usage errors exit status 2; subcommands
    // made after this inherit it.
    .exitOverride()
  addCatCommand(program)
  addMonitorCommand(program)
  addProxyCommand(program)
  addKeygenCommand(program)
  addBenchCommand(program)
  return program
}
