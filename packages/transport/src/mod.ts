/**
 * @omq/transport: the wire side of omq.
 *
 * - `zmtp/`: the pure ZMTP 3.1 core (greeting, framing, commands, mechanisms); no `node:` imports.
 * - `engine/`: a connection over a Node stream (ZMTP, or raw bytes for STREAM sockets), and the
 *   listener and connecter of the stream transports (tcp, ipc).
 * - `udp/`: udp endpoints and the datagrams of RADIO/DISH and DGRAM (pure, as `zmtp/`).
 * - errors and endpoint parsing shared by every layer above.
 *
 * The runtime package (`omq`) hosts these engines on IO worker threads or in-thread.
 */
export {
  type Endpoint,
  formatIpc,
  formatTcp,
  type NetworkEndpoint,
  parseEndpoint,
  parseNetworkEndpoint,
} from "./endpoint.js"
export { Connecter, type ConnecterEvent, type ReconnectOptions } from "./engine/connecter.js"
export type { Engine } from "./engine/engine.js"
export type { HeartbeatOptions } from "./engine/heartbeat.js"
export { type Listener, listen } from "./engine/listener.js"
export { RawEngine } from "./engine/raw-engine.js"
export {
  type EngineConfig,
  type EngineHandler,
  type PeerInfo,
  ZmtpEngine,
} from "./engine/zmtp-engine.js"
export { ZmqError, type ZmqErrorCode } from "./errors.js"
export {
  type DgramAddress,
  decodeRadioDatagram,
  encodeRadioDatagram,
  formatDgramAddress,
  MAX_UDP_DATAGRAM,
  MAX_UDP_GROUP,
  parseDgramAddress,
  type RadioDatagram,
  radioDatagramSize,
} from "./udp/udp-datagram.js"
export {
  checkUdpSocketType,
  formatUdp,
  incompatibleProtocol,
  isIPv4,
  type UdpEndpoint,
} from "./udp/udp-endpoint.js"
export {
  encodeCancel,
  encodeJoin,
  encodeMetadata,
  encodeSubscribe,
  isSocketType,
  MAX_GROUP,
  type Metadata,
  NULL_SECURITY,
  type ProtocolErrorName,
  parseMetadata,
  type Security,
  type SocketType,
  socketTypesCompatible,
  type ZapAnswer,
  type ZapQuery,
  z85Decode,
  z85Encode,
} from "./zmtp/mod.js"
