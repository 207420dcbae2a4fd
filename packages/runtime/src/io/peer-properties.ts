import type { Metadata, PeerInfo } from "@omq/transport"

const encoder = new TextEncoder()

/**
 * What a peer's messages carry as properties (libzmq's zmq_msg_gets): everything its READY
 * announced, then what ZAP said of it (User-Id and the handler's properties), then
 * Peer-Address. Made once per connection, on the host's thread.
 */
export function peerProperties(info: PeerInfo, address: string | undefined): Metadata {
  const properties: Metadata = new Map(info.metadata)
  if (info.zap) {
    for (const [name, value] of info.zap.metadata) properties.set(name, value)
    properties.set("user-id", info.zap.userId)
  }
  if (address) properties.set("peer-address", encoder.encode(address))
  return properties
}
