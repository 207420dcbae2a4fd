// How the `omq` process ends when something goes wrong: a usage error (the command line asked
// for something impossible) exits 2, anything that fails while running exits 1.

/** The command line was wrong: a bad endpoint, option or socket type. Exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError"
}

/** Exit statuses, as documented in the README. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/**
 * The text of any thrown value. omq's errors read "CODE: explanation" (their `detail`: their
 * message is only the code's generic text).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const { code, detail } = err as { code?: unknown; detail?: unknown }
  const text = typeof detail === "string" && detail !== "" ? detail : err.message
  return typeof code === "string" && code.startsWith("E") && !text.includes(code)
    ? `${code}: ${text}`
    : text
}
