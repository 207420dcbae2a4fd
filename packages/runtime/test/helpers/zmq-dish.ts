// zeromq.js's DISH with working join/leave, for the draft suites.
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
