import {
  checkUdpSocketType,
  MAX_UDP_DATAGRAM,
  MAX_UDP_GROUP,
  radioDatagramSize,
  ZmqError,
} from "@omq/transport"
import type { BindOptions } from "../endpoint-socket.js"

import type { Message, MessageLike } from "../message.js"
import type { Peer as Pipe } from "../peer.js"
import { SocketBase, type SocketConstructorOptions } from "../socket-base.js"
import type { Writable } from "../socket-capabilities.js"
import { groupBytes, groupKey } from "./groups.js"
import { singleFrame } from "./single-frame.js"

export interface RadioOptions extends SocketConstructorOptions {
  /** Wait (send() pends, EAGAIN after sendTimeout) instead of dropping at a full dish. */
  noDrop?: boolean
}

/** Which group a RADIO message goes to. */
export interface RadioGroup {
  group: string | Uint8Array
}

/**
 * RADIO (draft): sends each message to the DISHes that joined its group (an exact match, not a
 * prefix). On the wire a message is two frames, the group (with MORE) then the body, as libzmq
 * sends it. JOIN/LEAVE arrive from the host as 0x01|group / 0x00|group messages, whenever a dish
 * sends them (zeromq.js's DISH joins late). A dish at its high-water mark misses the message,
 * unless `noDrop`.
 *
 * Over udp (`connect("udp://host:port")`, or a multicast group) there is no handshake and no
 * JOIN: as libzmq's "udp pipes", such a pipe gets every message, whatever its group, and the
 * DISH filters. A message that cannot go as one udp datagram is refused whole while the RADIO
 * has a udp pipe: EINVAL for a group over 127 bytes (libzmq 4.3.5's DISH aborts on those),
 * EMSGSIZE for more than 8,192 bytes in all (libzmq's DISH would truncate it).
 *
 * Lives on the thread that made it.
 */
export class Radio
  extends SocketBase<never, RadioGroup>
  implements Writable<MessageLike, [options: RadioGroup]>
{
  /** Group → the pipes that joined it. */
  readonly #joined = new Map<string, Set<Pipe>>()
  /** Pipe → its groups, to forget them when it goes. */
  readonly #groupsOf = new Map<Pipe, Set<string>>()
  /** udp pipes: every message goes to them (they have no JOIN). */
  readonly #udpPipes = new Set<Pipe>()
  noDrop: boolean

  constructor(options: RadioOptions = {}) {
    const { noDrop = false, ...rest } = options
    super("RADIO", rest)
    this.noDrop = noDrop
  }

  protected override framesToSend(message: Message, options?: RadioGroup): Uint8Array[] {
    return groupedFrames(message, options)
  }

  /** A radio binds no udp endpoint (libzmq: ENOCOMPATPROTO); DISH binds, RADIO connects. */
  override async bind(address: string, options?: BindOptions): Promise<void> {
    if (isUdp(address)) checkUdpSocketType("RADIO", true, address)
    return super.bind(address, options)
  }

  protected xsend(frames: Uint8Array[]): boolean {
    const joined = this.#joined.get(groupKey(frames[0]!)) ?? NONE
    const udp = this.#udpPipes
    if (udp.size > 0) checkDatagram(frames[0]!, frames[1]!)
    if (this.noDrop) {
      for (const pipe of joined) if (pipe.full) return false
      for (const pipe of udp) if (pipe.full) return false
    }
    for (const pipe of joined) if (!pipe.full) this.write(pipe, frames)
    for (const pipe of udp) if (!pipe.full) this.write(pipe, frames)
    return true
  }

  protected xrecv(): Buffer[] | null {
    throw new ZmqError("ENOTSUP", "RADIO sockets cannot receive")
  }

  /** Always, as libzmq: a dish at its limit misses the message, nothing waits. */
  protected override xhasOut(): boolean {
    return true
  }

  protected xattach(pipe: Pipe): boolean {
    if (isUdp(pipe.endpoint)) this.#udpPipes.add(pipe)
    else this.#groupsOf.set(pipe, new Set())
    return true
  }

  protected xdetach(pipe: Pipe): void {
    this.#udpPipes.delete(pipe)
    for (const key of this.#groupsOf.get(pipe) ?? []) {
      const pipes = this.#joined.get(key)
      pipes?.delete(pipe)
      if (pipes?.size === 0) this.#joined.delete(key)
    }
    this.#groupsOf.delete(pipe)
  }

  /** Only JOIN (0x01|group) and LEAVE (0x00|group) come from a dish; anything else is dropped. */
  protected xmessage(pipe: Pipe, frames: Buffer[]): void {
    this.consumed(pipe)
    const first = frames[0]!
    if (frames.length !== 1 || first.length === 0 || first[0]! > 1) return
    const group = first.subarray(1)
    if (group.byteLength > 255) {
      this.reject(pipe) // libzmq would abort; only the sender goes
      return
    }
    const key = groupKey(group)
    const groups = this.#groupsOf.get(pipe)
    if (!groups) return
    if (first[0] === 1) {
      groups.add(key)
      let pipes = this.#joined.get(key)
      if (!pipes) this.#joined.set(key, (pipes = new Set()))
      pipes.add(pipe)
    } else if (groups.delete(key)) {
      const pipes = this.#joined.get(key)!
      pipes.delete(pipe)
      if (pipes.size === 0) this.#joined.delete(key)
    }
  }
}

const NONE: ReadonlySet<Pipe> = new Set()

function isUdp(endpoint: string): boolean {
  return endpoint.startsWith("udp://")
}

/** Whether a message fits one udp datagram that libzmq's DISH reads (see Radio). */
function checkDatagram(group: Uint8Array, body: Uint8Array): void {
  if (group.byteLength > MAX_UDP_GROUP) {
    const why = `group of ${group.byteLength} bytes: over udp at most ${MAX_UDP_GROUP}`
    throw new ZmqError("EINVAL", why)
  }
  const size = radioDatagramSize(group.byteLength, body.byteLength)
  if (size > MAX_UDP_DATAGRAM) {
    throw new ZmqError("EMSGSIZE", `a udp datagram of ${size} bytes (at most ${MAX_UDP_DATAGRAM})`)
  }
}

/** A RADIO send()'s frames: the group, then the one body frame (as on the wire). */
export function groupedFrames(message: Message, options: RadioGroup | undefined): Uint8Array[] {
  const body = singleFrame("RADIO", message)
  if (options?.group === undefined) throw new ZmqError("EINVAL", "RADIO send() needs { group }")
  return [groupBytes(options.group), body]
}

/** RADIO sends single-frame messages, each to a group (see socket-capabilities.ts). */
export interface Radio {
  send(message: MessageLike, options: RadioGroup): Promise<void>
  trySend(message: MessageLike, options: RadioGroup): boolean
}
