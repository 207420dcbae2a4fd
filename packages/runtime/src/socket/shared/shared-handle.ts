import type { SocketType } from "@omq/transport"
import type { ContextHandle } from "../../context.js"

/**
 * What `socket.share()` returns: plain data, for `workerData` or `postMessage`. Any thread of the
 * same process attaches with `attachShared(handle)`. `Socket` is the class of the shared socket
 * (`dish.share()` is a `SharedSocketHandle<Dish>`), from which the attached side is typed.
 */
export interface SharedSocketHandle<Socket = unknown> {
  readonly context: ContextHandle
  /** The thread the socket lives on. */
  readonly thread: number
  readonly socket: number
  readonly type: SocketType
  /** Never set: carries `Socket` for attachShared()'s types (a handle is plain data). @internal */
  readonly socketClass?: Socket
}

/** How a thread attaches to a shared socket. */
export interface AttachOptions {
  /**
   * Messages this thread takes ahead of its receive() calls (default 0). With 0, each message
   * goes to a thread that is waiting in receive(), the longest-waiting first: the fairest. With
   * 1 or more, a thread busy with one message already holds its next ones, which hides the
   * crossing between threads (throughput) at the price of fairness: a message may wait for a busy
   * thread while another is idle. Messages held when the thread closes its side are lost.
   */
  readAhead?: number
}
