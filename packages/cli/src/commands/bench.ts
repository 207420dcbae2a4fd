// `omq bench`: not built yet (issue 14).
import type { Command } from "commander"

export function addBenchCommand(program: Command): void {
  program.command("bench").description("(not built yet)")
}
