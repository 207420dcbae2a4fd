// The Clone pattern (RFC 12, CHP): a key-value store replicated from a server to clients.
export { CloneClient, type CloneClientOptions } from "./clone-client.js"
export {
  CHP_HUGZ,
  CHP_ICANHAZ,
  CHP_KTHXBAI,
  type CloneAddress,
  type CloneEntry,
  type CloneEvent,
  type CloneSetOptions,
  cloneEvents,
} from "./clone-protocol.js"
export type { CloneChange } from "./clone-replica.js"
export { CloneServer, type CloneServerOptions } from "./clone-server.js"
