// Plumbing for the draft suites: zeromq.js's DISH with working join/leave, and sending until a
// DISH has a message (a JOIN, or a udp datagram, arrives some time after the connection).
import { strict as assert } from "node:assert"
import * as zmq from "zeromq"
import type * as zmqDraft from "zeromq/draft.js"

/** A DISH of either library, as the draft suites use it. */
export interface AnyDish {
  bind(address: string): Promise<void>
  connect(address: string): void
  readonly lastEndpoint: string | null
  receive(): Promise<[Buffer, { group: Buffer }]>
  join(...groups: string[]): void
  leave(...groups: string[]): void
  close(): void
}

/**
 * zeromq.js 6.8's Dish#join/leave call the native method without its socket: nothing is joined
 * and no error is raised. This calls the native methods on the socket instead.
 */
export function withWorkingJoin(dish: zmqDraft.Dish): AnyDish {
  const native = zmq.Socket.prototype as unknown as Record<string, (group: string) => void>
  return {
    bind: (address) => dish.bind(address),
    connect: (address) => dish.connect(address),
    get lastEndpoint() {
      return dish.lastEndpoint
    },
    receive: () => dish.receive() as Promise<[Buffer, { group: Buffer }]>,
    join: (...groups) => {
      for (const g of groups) native.join!.call(dish, g)
    },
    leave: (...groups) => {
      for (const g of groups) native.leave!.call(dish, g)
    },
    close: () => dish.close(),
  }
}

/** A RADIO of either library, as the draft suites send with it. */
export interface RadioSender {
  send(message: string, options: { group: string }): Promise<void>
}

/** Calls `send` every 10 ms until `received` settles; resolves with what it resolved to. */
export async function untilReceived<T>(send: () => unknown, received: Promise<T>): Promise<T> {
  let done = false
  const result = received.finally(() => {
    done = true
  })
  while (!done) {
    await send()
    await Promise.race([result, new Promise((resolve) => setTimeout(resolve, 10))])
  }
  return result
}

/** Sends the group/body pairs until the dish has a message, which must be `expected`. */
export async function sendUntilReceived(
  radio: RadioSender,
  dish: AnyDish,
  send: Array<[group: string, body: string]>,
  expected: [group: string, body: string],
): Promise<void> {
  const [message, { group }] = await untilReceived(async () => {
    for (const [g, body] of send) await radio.send(body, { group: g })
  }, dish.receive())
  assert.deepEqual([String(group), String(message)], expected)
}
