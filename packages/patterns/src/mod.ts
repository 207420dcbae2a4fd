/**
 * `@omq/patterns`: the zguide's reliable patterns as building blocks on omq's public sockets
 * (nothing internal is imported). Layering: patterns → omq → @omq/transport.
 *
 * @module @omq/patterns
 */

export * from "./binary-star.js"
export { type Clock, realClock } from "./clock.js"
export * from "./clone.js"
export {
  FreelanceClient,
  type FreelanceClientOptions,
  type FreelanceRequestOptions,
} from "./freelance-client.js"
export * from "./freelance-models.js"
export {
  FLP_PING,
  FLP_PONG,
  type FreelanceEvent,
  freelanceEvents,
} from "./freelance-protocol.js"
export {
  type FreelanceHandler,
  FreelanceServer,
  type FreelanceServerOptions,
} from "./freelance-server.js"
export {
  LazyPirateClient,
  type LazyPirateEvent,
  type LazyPirateOptions,
  lazyPirateEvents,
  type RequestOptions,
} from "./lazy-pirate.js"
export { MajordomoBroker, type MajordomoBrokerOptions } from "./majordomo-broker.js"
export { MajordomoClient, type MajordomoClientOptions } from "./majordomo-client.js"
export {
  type MajordomoEvent,
  MDP_CLIENT,
  MDP_DISCONNECT,
  MDP_HEARTBEAT,
  MDP_READY,
  MDP_REPLY,
  MDP_REQUEST,
  MDP_WORKER,
  MDP02_CLIENT,
  MDP02_CLIENT_FINAL,
  MDP02_CLIENT_PARTIAL,
  MDP02_CLIENT_REQUEST,
  MDP02_DISCONNECT,
  MDP02_FINAL,
  MDP02_HEARTBEAT,
  MDP02_PARTIAL,
  MDP02_READY,
  MDP02_REQUEST,
  MDP02_WORKER,
  type MdpVersion,
  majordomoEvents,
} from "./majordomo-protocol.js"
export {
  type MajordomoHandler,
  type MajordomoReply,
  MajordomoWorker,
  type MajordomoWorkerOptions,
} from "./majordomo-worker.js"
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
export * from "./titanic.js"
export * from "./worker-pool.js"
