/**
 * @omq/patterns: the zguide's reliable patterns as building blocks on omq's public sockets
 * (nothing internal is imported). Layering: patterns → omq → @omq/transport.
 */
export { type Clock, realClock } from "./clock.js"
export {
  LazyPirateClient,
  type LazyPirateEvent,
  type LazyPirateOptions,
  lazyPirateEvents,
  type RequestOptions,
} from "./lazy-pirate.js"
export {
  type ParanoidPirateEvent,
  PPP_HEARTBEAT,
  PPP_READY,
  paranoidPirateEvents,
} from "./paranoid-pirate-protocol.js"
export { ParanoidPirateQueue, type ParanoidPirateQueueOptions } from "./paranoid-pirate-queue.js"
export {
  type ParanoidPirateHandler,
  ParanoidPirateWorker,
  type ParanoidPirateWorkerOptions,
} from "./paranoid-pirate-worker.js"
