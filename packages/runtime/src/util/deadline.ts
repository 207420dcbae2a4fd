/** Waits for `work`, but no later than `deadline` (epoch ms; Infinity waits for ever). */
export function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  if (deadline === Number.POSITIVE_INFINITY) return work.then(() => {})
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))
  })
  return Promise.race([work.then(() => {}), timeout]).finally(() => clearTimeout(timer))
}

/** The end of a linger of `linger` ms from now (negative: never). */
export function deadlineOf(linger: number): number {
  return linger < 0 ? Number.POSITIVE_INFINITY : Date.now() + linger
}
