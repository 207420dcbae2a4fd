// A CommonJS TypeScript consumer: its imports compile to require(), which loads omq's ES modules
// on Node >= 20.19. TypeScript allows that with `module` node20 or nodenext (5.8 and later); with
// node16 or node18 it rejects the import (TS1479). Type-checked, never run, by
// checks/tests/packed.test.js.

import { MajordomoClient } from "@omq/patterns"
import { Context, Pull, Push } from "omq"
import { Client } from "omq/draft"

export async function roundTrip(): Promise<string> {
  const context = new Context({ ioThreads: 0 })
  const pull = new Pull({ context })
  await pull.bind("inproc://commonjs")
  const push = new Push({ context })
  push.connect("inproc://commonjs")
  await push.send("required")
  const [body] = await pull.receive()
  return String(body)
}

export const client = (endpoint: string): [Client, MajordomoClient] => [
  new Client(),
  new MajordomoClient(endpoint, { mdp: "0.2" }),
]
