// ZmqError is pure too: the browser entry takes it from here, not from the Node-laden root.
export { ZmqError, type ZmqErrorCode } from "../errors.js"
export {
  type Command,
  encodeCancel,
  encodeCommand,
  encodeError,
  encodeJoin,
  encodePing,
  encodePong,
  encodeReady,
  encodeSubscribe,
  MAX_GROUP,
  parseCommand,
  parseError,
  parsePing,
} from "./command.js"
export { copyBytes } from "./copy-bytes.js"
export {
  CURVE_MESSAGE_OVERHEAD,
  CurveCipher,
  longNonce,
  PREFIX as CURVE_NONCE_PREFIX,
  shortNonce,
} from "./curve-boxes.js"
export { CurveClient, type CurveClientKeys } from "./curve-client.js"
export {
  BOX_OVERHEAD,
  boxKey,
  CURVE_KEY_SIZE,
  curveKeyPairBytes,
  NONCE_SIZE,
  open,
  publicKeyOf,
  randomBytes,
  seal,
  useX25519,
  type X25519,
} from "./curve-crypto.js"
export { CurveServer } from "./curve-server.js"
export {
  type ProtocolErrorName,
  protocolError,
  ZmtpError,
  type ZmtpErrorCode,
} from "./errors.js"
export {
  encodeFrame,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  frameHeaderSize,
  writeFrameHeader,
} from "./frame.js"
export { FrameDecoder, type FrameSink } from "./frame-decoder.js"
export {
  checkSignature,
  encodeGreeting,
  GREETING_SIZE,
  type Greeting,
  parseGreeting,
} from "./greeting.js"
export {
  Handshake,
  type HandshakeOptions,
  type HandshakeProgress,
  type HandshakeResult,
} from "./handshake.js"
export type {
  Mechanism,
  MechanismStep,
  MessageCipher,
  ZapAnswer,
  ZapPolicy,
  ZapQuery,
} from "./mechanism.js"
export { encodeMetadata, type Metadata, parseMetadata } from "./metadata.js"
export { NullMechanism } from "./null-mechanism.js"
export { type PlainClientOptions, PlainMechanism } from "./plain-mechanism.js"
export {
  disableSodium,
  loadSodium,
  secretboxLibrary,
  sodiumLoading,
} from "./secretbox-backend.js"
export { mechanismFor, NULL_SECURITY, type Security } from "./security.js"
export { isSocketType, type SocketType, socketTypesCompatible } from "./socket-type.js"
export { z85Decode, z85Encode } from "./z85.js"
export {
  type CertificateText,
  formatPublicCertificate,
  formatSecretCertificate,
  parseCertificate,
} from "./zpl-certificate.js"
export {
  ZWS_COMMAND,
  ZWS_MORE,
  zmtpFrameOfZwsPayload,
  zwsPayloadOfFrame,
} from "./zws-frame.js"
export {
  BARE_ZWS,
  chooseZwsSubprotocol,
  type ZwsChoice,
  type ZwsMechanism,
  zwsSubprotocolsOffered,
} from "./zws-subprotocol.js"
