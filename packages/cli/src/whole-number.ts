// Whole-number flag values (--count, --timeout, --interval): digits only, so "" or " " is an
// error rather than Number("")'s 0.
import { InvalidArgumentError } from "commander"

/** A commander argument parser for a whole number of at least `min`. */
export function wholeNumber(min: number): (text: string) => number {
  return (text) => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN
    if (!Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`want a whole number >= ${min}`)
    }
    return n
  }
}
