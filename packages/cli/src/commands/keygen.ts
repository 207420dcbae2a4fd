// `omq keygen`: not built yet (issue 14).
import type { Command } from "commander"

export function addKeygenCommand(program: Command): void {
  program.command("keygen").description("(not built yet)")
}
