// Misuse that omq's published types still accept (issue 13: "each socket class's type offers
// only what it can do, as zeromq.js's types do"). Every socket class inherits send(), trySend(),
// receive(), receiveWithProperties() and for-await from SocketBase, whatever it can do; at run
// time these fail (ENOTSUP, EINVAL) or wait for ever. Each line here type-checks today: once a
// class's typing rejects it, tsc fails on that line; then move it to misuse.ts, with the
// expect-error comment above it. Type-checked, never run, by checks/tests/packed.test.js.
import type { Publisher, Pull, Push, Subscriber } from "omq"
import type { Client, Dish, Gather, Radio, Scatter, Server } from "omq/draft"

export async function receiveOnly(pull: Pull, sub: Subscriber, dish: Dish, gather: Gather) {
  await pull.send("x") // ENOTSUP
  pull.trySend("x") // ENOTSUP
  await sub.send("x") // ENOTSUP
  await dish.send("x") // ENOTSUP; its send options are `never`, the call is not
  await gather.send("x") // ENOTSUP
}

export async function sendOnly(push: Push, pub: Publisher, radio: Radio, scatter: Scatter) {
  await push.receive() // ENOTSUP
  await push.receiveWithProperties() // ENOTSUP
  for await (const message of push) void message // ENOTSUP
  await pub.receive() // ENOTSUP
  await radio.receive() // ENOTSUP; typed Promise<never>, the call is not rejected
  await scatter.receive() // ENOTSUP
}

export async function missingOrExtra(server: Server, radio: Radio, client: Client, pull: Pull) {
  await server.send("x") // EHOSTUNREACH: the routing id is optional in the type
  await radio.send("x") // EINVAL: the group is optional in the type
  await client.send(["two", "frames"]) // EINVAL: CLIENT, SERVER, RADIO, ... are single-frame
  await pull.bind("tcp://127.0.0.1:*")
  pull.lastEndpoint = "tcp://elsewhere:1" // a plain field, read-only in zeromq.js
}
