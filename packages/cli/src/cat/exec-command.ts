// --exec: a shell command answers a request, as `zmqcat -e` does. The request goes to the
// command's stdin, its stdout is the answer; its stderr stays the user's.
import { spawn } from "node:child_process"

/**
 * Runs `command` in the shell with `input` on its stdin; resolves with its stdout. A command
 * that fails still answers with what it printed: `warn` hears its exit status.
 */
export function runCommand(
  command: string,
  input: Buffer,
  warn: (line: string) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ["pipe", "pipe", "inherit"] })
    const output: Buffer[] = []
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk))
    child.on("error", reject)
    // A command that does not read its stdin closes it early: that is its business.
    child.stdin.on("error", () => {})
    child.stdin.end(input)
    child.on("close", (code, signal) => {
      if (code !== 0) warn(`--exec '${command}' exited with ${signal ?? `status ${code}`}`)
      resolve(Buffer.concat(output))
    })
  })
}
