/**
 * omq/draft: libzmq's draft socket types, with zeromq.js's class names and shapes (`zeromq/draft`)
 * plus Peer and Channel. All but Datagram are single-frame: a multipart send gives EINVAL, and a
 * multipart message arriving is dropped whole. Radio and Dish also go over udp; Datagram
 * (`[address, body]` messages) over udp only.
 *
 * @module omq/draft
 */
export { Channel } from "./socket/draft/channel.js"
export { Client } from "./socket/draft/client.js"
export { Datagram, type DatagramMessage, type DatagramSend } from "./socket/draft/datagram.js"
export { Dish, type DishGroup } from "./socket/draft/dish.js"
export { Peer } from "./socket/draft/peer.js"
export { Radio, type RadioGroup, type RadioOptions } from "./socket/draft/radio.js"
export { Gather, Scatter } from "./socket/draft/scatter-gather.js"
export { Server, type ServerRouting } from "./socket/draft/server.js"
export {
  type AttachedCalls,
  type AttachedSocket,
  attachShared,
} from "./socket/shared/attach-shared.js"
export type { AttachOptions, SharedSocketHandle } from "./socket/shared/shared-handle.js"
export { ThreadSocket } from "./socket/shared/thread-socket.js"

// Loaded for its side effect: a draft socket that serves ZAP asks the handler through a DEALER
// (see provideZapDealer).
import "./socket/dealer.js"
