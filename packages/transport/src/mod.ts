/**
 * @omq/transport: the wire side of omq.
 *
 * - `zmtp/`: the pure ZMTP 3.1 core (greeting, framing, commands, mechanisms); no `node:` imports.
 * - `engine/`: a connection over a Carrier (ZMTP, or raw bytes for STREAM sockets), the byte
 *   stream carrier, and the listener and connecter of the stream transports (tcp, ipc).
 * - `ws/`: ZWS 2.0 over the `ws` library: the WebSocket carrier, its listener and dialer.
 * - `udp/`: udp endpoints and the datagrams of RADIO/DISH and DGRAM (pure, as `zmtp/`).
 * - errors and endpoint parsing shared by every layer above.
 *
 * The runtime package (`omq`) hosts these engines on IO worker threads or in-thread.
 */
export {
  type Endpoint,
  formatIpc,
  formatTcp,
  formatWs,
  type NetworkEndpoint,
  parseEndpoint,
  parseNetworkEndpoint,
  type WsEndpoint,
} from "./endpoint.js"
export type { Carrier, CarrierEvents, FrameOutput } from "./engine/carrier.js"
export {
  Connecter,
  type ConnecterEvent,
  type Dialer,
  type ReconnectOptions,
  streamDialer,
} from "./engine/connecter.js"
export type { Engine, EngineConfig, EngineHandler, PeerInfo } from "./engine/engine.js"
export type { HeartbeatOptions } from "./engine/heartbeat.js"
export { type Listener, listenStream } from "./engine/listener.js"
export { RawEngine } from "./engine/raw-engine.js"
export { StreamCarrier } from "./engine/stream-carrier.js"
export { ZmtpEngine } from "./engine/zmtp-engine.js"
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
export { WsCarrier } from "./ws/ws-carrier.js"
export { type WsDialOptions, type WssClientOptions, wsDialer } from "./ws/ws-dialer.js"
export {
  attachWs,
  listenWs,
  type WsListenOptions,
  type WssServerOptions,
} from "./ws/ws-listener.js"
export {
  CURVE_MESSAGE_OVERHEAD,
  copyBytes,
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
