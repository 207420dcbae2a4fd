import type { SocketType } from "@omq/transport/zmtp"
import { LoadBalancer } from "./load-balancer.js"
import type { Pipe } from "./pipe.js"
import { SocketBase } from "./socket-base.js"
import type { SocketConstructorOptions } from "./socket-options.js"

const EMPTY = new Uint8Array(0)

/**
 * The shape DEALER, PUSH and REQ share (libzmq's lb_t + fq_t): sends round-robin over the
 * pipes with room, receives fair-queue over the pipes with messages.
 */
export abstract class LoadBalancedSocket extends SocketBase {
  readonly #lb = new LoadBalancer()
  /** Send an empty message on each new connection, so that a ROUTER learns of us. */
  protected probe = false

  constructor(type: SocketType, options?: SocketConstructorOptions) {
    super(type, options)
  }

  /** Writes to the next pipe with room and returns it, or null when all are full. */
  protected sendToNext(frames: Uint8Array[]): Pipe | null {
    const pipe = this.#lb.pick()
    if (pipe) pipe.write(frames)
    return pipe
  }

  protected xsend(frames: Uint8Array[]): boolean {
    return this.sendToNext(frames) !== null
  }

  protected override xhasOut(): boolean {
    return this.#lb.hasRoom
  }

  protected override xattach(pipe: Pipe): boolean {
    this.#lb.add(pipe)
    return true
  }

  protected override xdetach(pipe: Pipe): void {
    this.#lb.remove(pipe)
  }

  protected override xready(pipe: Pipe): void {
    if (this.probe) pipe.write([EMPTY])
  }
}
