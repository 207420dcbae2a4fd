// `omq monitor`: not built yet (issue 14).
import type { Command } from "commander"

export function addMonitorCommand(program: Command): void {
  program.command("monitor").description("(not built yet)")
}
