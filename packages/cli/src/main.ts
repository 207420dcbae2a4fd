#!/usr/bin/env node
// The `omq` executable: parses argv and runs one command (see program.ts).
import { createProgram } from "./program.js"

await createProgram().parseAsync(process.argv)
