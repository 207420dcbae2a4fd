import type { Socket } from "node:net"

/**
 * Watches the WebSocket frames arriving on `socket` (after the upgrade, from `head` on) for
 * what `ws` accepts but libzmq refuses: a fragmented message (a data frame without FIN, or a
 * continuation frame). ZWS carries one ZMTP frame per whole message; `ws` would join the
 * fragments silently. Reads only the frame headers and steps over the payloads.
 * `onFragment` gets how many whole messages came before the fragmented one: those are the
 * peer's, the next one `ws` hands on is not.
 *
 * Runs on the connection's thread, as a 'data' listener put before `ws`'s own: `ws` emits the
 * messages of a chunk as it parses it, so a guard after it would see a joined message go by.
 */
export function guardAgainstFragments(
  socket: Socket,
  onFragment: (wholeMessagesBefore: number) => void,
): void {
  const header = new Uint8Array(14)
  let filled = 0
  let wholeMessages = 0
  /** Payload bytes of the current frame still to step over. */
  let skip = 0
  let tripped = false
  socket.prependListener("data", (chunk: Buffer) => {
    let at = 0
    while (at < chunk.byteLength && !tripped) {
      if (skip > 0) {
        const step = Math.min(skip, chunk.byteLength - at)
        skip -= step
        at += step
        continue
      }
      header[filled++] = chunk[at++]!
      const needed = headerSize(header, filled)
      if (filled < needed) continue
      filled = 0
      const opcode = header[0]! & 0x0f
      const fin = (header[0]! & 0x80) !== 0
      if (opcode === 0 || (!fin && opcode < 8)) {
        tripped = true
        onFragment(wholeMessages)
        return
      }
      if (opcode < 8) wholeMessages++
      skip = payloadLength(header)
    }
  })
}

/** Bytes the header takes, as far as the bytes gathered tell (2 until the length is known). */
function headerSize(header: Uint8Array, filled: number): number {
  if (filled < 2) return 2
  const len7 = header[1]! & 0x7f
  const masked = (header[1]! & 0x80) !== 0
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0)
}

function payloadLength(header: Uint8Array): number {
  const len7 = header[1]! & 0x7f
  if (len7 < 126) return len7
  const view = new DataView(header.buffer)
  if (len7 === 126) return view.getUint16(2)
  return view.getUint32(2) * 0x1_0000_0000 + view.getUint32(6)
}
