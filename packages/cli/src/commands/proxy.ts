// `omq proxy`: not built yet (issue 14).
import type { Command } from "commander"

export function addProxyCommand(program: Command): void {
  program.command("proxy").description("(not built yet)")
}
