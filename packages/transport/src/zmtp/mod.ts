export {
  type Command,
  encodeCancel,
  encodeCommand,
  encodeError,
  encodePing,
  encodePong,
  encodeReady,
  encodeSubscribe,
  parseCommand,
  parseError,
  parsePing,
} from "./command.js"
export { ZmtpError, type ZmtpErrorCode } from "./errors.js"
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
export type { Mechanism, MechanismStep } from "./mechanism.js"
export { encodeMetadata, type Metadata, parseMetadata } from "./metadata.js"
export { NullMechanism } from "./null-mechanism.js"
export { isSocketType, type SocketType, socketTypesCompatible } from "./socket-type.js"
