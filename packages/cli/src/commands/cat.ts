// `omq cat`: not built yet (issue 14).
import type { Command } from "commander"

export function addCatCommand(program: Command): void {
  program.command("cat").description("(not built yet)")
}
