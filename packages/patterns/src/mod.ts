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
