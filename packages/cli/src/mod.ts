// Programmatic entry: the same command tree the `omq` executable runs.
export { createProgram } from "./program.js"
