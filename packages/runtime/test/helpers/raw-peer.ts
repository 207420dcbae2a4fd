// ZMTP 3.1 bytes for raw TCP peers that tests script by hand (hostile or odd ones): a NULL
// greeting, frames, READY. Nothing here checks what comes back.
import { type Socket as NetSocket, connect as netConnect } from "node:net"

const SIGNATURE = [0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f]

/** A complete, valid ZMTP 3.1 NULL greeting (64 bytes), as a client (as-server 0). */
export function greeting(): Buffer {
  const g = Buffer.alloc(64)
  Buffer.from(SIGNATURE).copy(g, 0)
  g[10] = 3
  g[11] = 1
  g.write("NULL", 12, "ascii") // padded with zeros to 20 bytes
  return g
}

/** A frame header + body. flags: 0x01 MORE, 0x02 LONG (added automatically), 0x04 COMMAND. */
export function frame(flags: number, body: Uint8Array): Buffer {
  if (body.length > 255) {
    const h = Buffer.alloc(9)
    h[0] = flags | 0x02
    h.writeBigUInt64BE(BigInt(body.length), 1)
    return Buffer.concat([h, body])
  }
  return Buffer.concat([Buffer.from([flags, body.length]), body])
}

/** A READY command frame carrying Socket-Type. */
export function ready(socketType: string): Buffer {
  const name = Buffer.from("READY")
  const prop = Buffer.from("Socket-Type")
  const value = Buffer.from(socketType)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(value.length)
  const body = Buffer.concat([
    Buffer.from([name.length]),
    name,
    Buffer.from([prop.length]),
    prop,
    len,
    value,
  ])
  return frame(0x04, body)
}

/** A SUBSCRIBE command frame (ZMTP 3.1) for `topic`. */
export function subscribe(topic: Uint8Array): Buffer {
  return frame(0x04, Buffer.concat([Buffer.from([9]), Buffer.from("SUBSCRIBE"), topic]))
}

/** A raw TCP connection to a tcp:// endpoint, once connected; what arrives is read and dropped. */
export async function connectRaw(endpoint: string): Promise<NetSocket> {
  const url = new URL(endpoint.replace(/^tcp:/, "http:"))
  const sock = netConnect({ host: url.hostname, port: Number(url.port) })
  sock.on("error", () => {
    // ECONNRESET when the far side drops us: the test decides what that means.
  })
  sock.resume()
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve)
    sock.once("error", reject)
  })
  return sock
}
