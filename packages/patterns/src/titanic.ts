// Titanic (RFC 9, TSP): disconnected, durable request-reply over Majordomo.
export {
  type TitanicCallOptions,
  TitanicClient,
  type TitanicClientOptions,
  type TitanicReply,
} from "./titanic-client.js"
export { DEFAULT_TITANIC_DIRECTORY, FileTitanicStore } from "./titanic-file-store.js"
export {
  TITANIC_CLOSE,
  TITANIC_ERROR,
  TITANIC_OK,
  TITANIC_PENDING,
  TITANIC_REPLY,
  TITANIC_REQUEST,
  TITANIC_UNKNOWN,
  type TitanicEvent,
  type TitanicStatus,
  titanicEvents,
} from "./titanic-protocol.js"
export { TitanicServer, type TitanicServerOptions } from "./titanic-server.js"
export { MemoryTitanicStore, type TitanicRequest, type TitanicStore } from "./titanic-store.js"
