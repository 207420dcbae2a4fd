// Every socket type omq has, by its libzmq name, with what the command line may do with it.
// Shared by cat, monitor and proxy.
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  type Socket,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from "omq"
import { Channel, Client, Datagram, Dish, Gather, Peer, Radio, Scatter, Server } from "omq/draft"
import { UsageError } from "./errors.js"

/**
 * How `omq cat` drives a type: it only sends stdin, only prints what arrives, alternates
 * (REQ: send then print; REP: print then answer), or does both at once.
 */
export type CatRole = "send" | "receive" | "request" | "reply" | "duplex"

/**
 * What cat's first frame means for the type: a peer's routing id (ROUTER, STREAM), a SERVER's
 * numeric routing id, a RADIO/DISH group, a DGRAM's `ip:port`; "none" for every other type.
 */
export type Addressing = "none" | "routing-id" | "routing-number" | "group" | "datagram"

export interface SocketType {
  name: string
  create: () => Socket
  sends: boolean
  receives: boolean
  role: CatRole
  addressing: Addressing
  /** A draft type (omq/draft): single-frame messages. */
  draft: boolean
}

// `as unknown as Socket`: the classes' public faces differ by type (socket-capabilities.ts in
// omq); the CLI reaches their calls through CatSocket, which knows each shape.
const make =
  (Class: new () => object): (() => Socket) =>
  () =>
    new Class() as unknown as Socket

const TYPES: SocketType[] = [
  classic("PAIR", Pair, "duplex"),
  classic("PUB", Publisher, "send"),
  classic("SUB", Subscriber, "receive"),
  classic("REQ", Request, "request"),
  classic("REP", Reply, "reply"),
  classic("DEALER", Dealer, "duplex"),
  classic("ROUTER", Router, "duplex", "routing-id"),
  classic("PULL", Pull, "receive"),
  classic("PUSH", Push, "send"),
  classic("XPUB", XPublisher, "duplex"),
  classic("XSUB", XSubscriber, "duplex"),
  classic("STREAM", Stream, "duplex", "routing-id"),
  draft("SERVER", Server, "duplex", "routing-number"),
  draft("CLIENT", Client, "duplex"),
  draft("RADIO", Radio, "send", "group"),
  draft("DISH", Dish, "receive", "group"),
  draft("SCATTER", Scatter, "send"),
  draft("GATHER", Gather, "receive"),
  draft("PEER", Peer, "duplex", "routing-number"),
  draft("CHANNEL", Channel, "duplex"),
  draft("DGRAM", Datagram, "duplex", "datagram"),
]

function classic(
  name: string,
  Class: new () => object,
  role: CatRole,
  addressing: Addressing = "none",
): SocketType {
  return {
    name,
    create: make(Class),
    sends: role !== "receive",
    receives: role !== "send",
    role,
    addressing,
    draft: false,
  }
}

function draft(
  name: string,
  Class: new () => object,
  role: CatRole,
  addressing: Addressing = "none",
): SocketType {
  return { ...classic(name, Class, role, addressing), draft: true }
}

export const SOCKET_TYPE_NAMES: readonly string[] = TYPES.map((t) => t.name)

/** The type named `name` (any case); a UsageError listing the types for anything else. */
export function socketType(name: string): SocketType {
  const found = TYPES.find((t) => t.name === name.toUpperCase())
  if (!found) {
    throw new UsageError(`unknown socket type '${name}' (one of ${SOCKET_TYPE_NAMES.join(", ")})`)
  }
  return found
}
