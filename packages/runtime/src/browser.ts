/**
 * omq/browser: ZeroMQ sockets in a web page, over the browser's WebSocket, speaking ZWS 2.0 as
 * libzmq 4.3.5 does (ws:// and wss:// endpoints; a page can only connect). The API follows
 * omq's and zeromq.js v6 sockets; received frames are Uint8Arrays.
 *
 * No `node:` module, no Buffer: only the pure ZMTP core of @omq/transport. CURVE and PLAIN are
 * separate exports (curveClient, plainClient) so that a page that does not use them does not
 * bundle them.
 *
 * @module omq/browser
 */

export { type SocketType, ZmqError, type ZmqErrorCode } from "@omq/transport/zmtp"
export {
  type CurveClientOptions,
  type CurveKey,
  curveClient,
  curveKeyPair,
} from "./browser/curve.js"
export { Dealer, type DealerOptions } from "./browser/dealer.js"
export type { Message, MessageLike } from "./browser/frames.js"
export { Pair } from "./browser/pair.js"
export { Publisher, type PublisherOptions } from "./browser/publisher.js"
export { Pull } from "./browser/pull.js"
export { Push } from "./browser/push.js"
export { Reply } from "./browser/reply.js"
export { Request, type RequestOptions } from "./browser/request.js"
export { Router, type RouterConnectOptions, type RouterOptions } from "./browser/router.js"
export { plainClient, type Security } from "./browser/security.js"
export { SocketBase as Socket } from "./browser/socket-base.js"
export type {
  EventError,
  SocketEvent,
  SocketEventOfType,
  SocketEvents,
  SocketEventType,
} from "./browser/socket-events.js"
export type { SocketConstructorOptions, SocketOptions } from "./browser/socket-options.js"
export { Subscriber } from "./browser/subscriber.js"
export { XPublisher, type XPublisherOptions } from "./browser/xpublisher.js"
export { XSubscriber, type XSubscriberOptions } from "./browser/xsubscriber.js"
export type { Receiving, RoutedMessage, Sending } from "./socket/message-calls.js"
