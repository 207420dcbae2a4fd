/**
 * omq: ZeroMQ for Node.js in pure TypeScript.
 *
 * Sockets live on the thread that creates them; their connections live on the context's IO
 * worker threads (or in-thread with `ioThreads: 0`), and messages cross between the two through
 * SharedArrayBuffer rings. The API follows zeromq.js v6.
 *
 * @module omq
 */
export { type SocketType, ZmqError, type ZmqErrorCode } from "@omq/transport"
export { capability, version } from "./capability.js"
export { Context, type ContextHandle, type ContextOptions, context } from "./context.js"
export {
  type Event,
  type EventErrorInfo,
  type EventOfType,
  type EventType,
  Observer,
} from "./observer.js"
export {
  type Merged,
  type MergeOptions,
  merge,
  type PollableSocket,
  type PollEvents,
  Poller,
  type PollResult,
  type ReceivingSocket,
} from "./poller.js"
export { Proxy, type ProxyDirectionStats, type ProxyStats } from "./proxy.js"
export {
  type AuthDecision,
  Authenticator,
  type AuthenticatorOptions,
} from "./security/authenticator.js"
export {
  type Certificate,
  readCertificate,
  writeCertificate,
} from "./security/certificate-files.js"
export { curveKeyPair } from "./security/curve-key-pair.js"
export { Dealer, type DealerOptions } from "./socket/dealer.js"
export type { BindOptions } from "./socket/endpoint-socket.js"
export type { RoutedMessage } from "./socket/message-calls.js"
export { MessageProperties } from "./socket/message-properties.js"
export type { SocketOptions } from "./socket/options.js"
export { Pair } from "./socket/pair.js"
export { Publisher, type PublisherOptions } from "./socket/publisher.js"
export { Pull } from "./socket/pull.js"
export { Push } from "./socket/push.js"
export { Reply } from "./socket/reply.js"
export { Request, type RequestOptions } from "./socket/request.js"
export { Router, type RouterConnectOptions, type RouterOptions } from "./socket/router.js"
export {
  type Message,
  type MessageLike,
  SocketBase as Socket,
  type SocketConstructorOptions,
  type WithProperties,
} from "./socket/socket-base.js"
export type { Readable, Writable } from "./socket/socket-capabilities.js"
export {
  Stream,
  type StreamConnectOptions,
  type StreamMessage,
  type StreamOptions,
  type StreamSend,
} from "./socket/stream.js"
export { Subscriber } from "./socket/subscriber.js"
export { XPublisher, type XPublisherOptions } from "./socket/xpublisher.js"
export { XSubscriber, type XSubscriberOptions } from "./socket/xsubscriber.js"
export { zeroCopy } from "./util/zero-copy.js"
