// Binary Star (zguide chapter 5): a primary/backup server pair and its client.
export {
  BinaryStarClient,
  type BinaryStarClientOptions,
  type BinaryStarRequestOptions,
} from "./binary-star-client.js"
export {
  type BinaryStarEvent,
  type BinaryStarRole,
  binaryStarEvents,
} from "./binary-star-events.js"
export {
  type BinaryStarFatal,
  type BinaryStarFsmEvent,
  type BinaryStarState,
  type BinaryStarStep,
  binaryStarStep,
} from "./binary-star-fsm.js"
export {
  type BinaryStarHandler,
  BinaryStarServer,
  type BinaryStarServerOptions,
  type BinaryStarStop,
} from "./binary-star-server.js"
