import { ZmqError } from "../errors.js"
import { type Command, encodePong, MAX_GROUP, parsePing, protocolError } from "../zmtp/mod.js"
import type { Engine, EngineHandler } from "./engine.js"
import type { Heartbeat } from "./heartbeat.js"

/**
 * What a ready ZMTP connection does with each command its peer sends: a PING is answered with
 * a PONG, (un)subscriptions and a DISH's JOIN/LEAVE go to the handler, ERROR drops the peer.
 *
 * One per connection (ZmtpEngine), on its thread; made once, so a command costs no allocation.
 */
export class PeerCommands {
  readonly #engine: Pick<Engine, "writeEncoded" | "flush">
  readonly #heartbeat: Heartbeat
  readonly #handler: EngineHandler

  constructor(
    engine: Pick<Engine, "writeEncoded" | "flush">,
    heartbeat: Heartbeat,
    handler: EngineHandler,
  ) {
    this.#engine = engine
    this.#heartbeat = heartbeat
    this.#handler = handler
  }

  /** `backedUp`: our writes wait for a drain. Throws when the peer must go. */
  handle(command: Command, backedUp: boolean): void {
    switch (command.name) {
      case "PING": {
        const ping = parsePing(command.data)
        this.#heartbeat.pinged(ping.ttl)
        // A peer that PINGs without reading would make us hold every PONG: none while our
        // writes are backed up (the PING still showed the peer alive).
        if (backedUp) return
        this.#engine.writeEncoded(encodePong(ping.context))
        this.#engine.flush()
        return
      }
      case "SUBSCRIBE":
      case "CANCEL":
        this.#handler.subscription(command.data, command.name === "SUBSCRIBE")
        return
      // A DISH's JOIN and LEAVE reach its RADIO as (un)subscriptions to one exact group.
      case "JOIN":
      case "LEAVE":
        if (command.data.byteLength > MAX_GROUP) {
          // libzmq's RADIO aborts on these (ZMTP-NOTES); here only the sender goes.
          throw protocolError(
            "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
            `${command.name} group of ${command.data.byteLength} bytes (at most ${MAX_GROUP})`,
          )
        }
        this.#handler.subscription(command.data, command.name === "JOIN")
        return
      case "ERROR":
        throw new ZmqError("EPROTO", "peer sent ERROR")
      default:
        // PONG and commands this version does not know are ignored, as libzmq does.
        return
    }
  }
}
