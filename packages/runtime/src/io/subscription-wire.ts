import { type Engine, encodeCancel, encodeJoin, encodeSubscribe } from "@omq/transport"

/** The data-message form of a (un)subscription: 0x01|topic or 0x00|topic. */
export function subscriptionMessage(topic: Uint8Array, subscribe: boolean): Uint8Array {
  const frame = new Uint8Array(topic.byteLength + 1)
  frame[0] = subscribe ? 1 : 0
  frame.set(topic, 1)
  return frame
}

/**
 * Writes a (un)subscription the way the peer understands it: a SUBSCRIBE/CANCEL command toward
 * ZMTP 3.1 peers, the data message toward 3.0 peers (ZMTP-NOTES); a DISH's are JOIN/LEAVE.
 */
export function writeSubscription(
  engine: Engine,
  topic: Uint8Array,
  subscribe: boolean,
  dish: boolean,
): void {
  if (dish) {
    engine.writeEncoded(encodeJoin(topic, subscribe))
  } else if (engine.peerMinor >= 1) {
    engine.writeEncoded(subscribe ? encodeSubscribe(topic) : encodeCancel(topic))
  } else {
    engine.writeFrame(subscriptionMessage(topic, subscribe), false, true)
  }
}
