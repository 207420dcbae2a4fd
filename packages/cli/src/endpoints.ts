// Binding and connecting a socket to the endpoints given on the command line. An endpoint omq
// cannot parse, or one the socket type cannot use, is a usage error; one that fails while
// being set up (an address in use) is a runtime failure.
import type { Socket } from "omq"
import { describeError, UsageError } from "./errors.js"

export interface EndpointFlags {
  bind?: string[]
  connect?: string[]
}

/** Codes that mean the endpoint text itself is wrong for this socket. */
const USAGE_CODES = new Set(["EINVAL", "EPROTONOSUPPORT", "ENOCOMPATPROTO"])

/** A UsageError unless both lists are empty (then the socket would go nowhere). */
export function requireEndpoints(flags: EndpointFlags): void {
  if ((flags.bind?.length ?? 0) + (flags.connect?.length ?? 0) === 0) {
    throw new UsageError("give an endpoint with --bind or --connect (e.g. --bind tcp://*:5555)")
  }
}

/**
 * Binds, then connects, every endpoint; resolves once the binds are listening. `report` hears
 * what the user cannot know otherwise: the port a `:*` bind got, a PEER connection's routing
 * id; with `verbose`, every bind.
 */
export async function attachEndpoints(
  socket: Socket,
  flags: EndpointFlags,
  report: (line: string) => void,
  verbose = false,
): Promise<void> {
  for (const endpoint of flags.bind ?? []) {
    try {
      await socket.bind(endpoint)
    } catch (err) {
      throw endpointError("bind", endpoint, err)
    }
    if (verbose || /:(\*|0)$/.test(endpoint)) report(`bound to ${socket.lastEndpoint}`)
  }
  const peer = socket as Socket & { connectPeer?: (endpoint: string) => number }
  for (const endpoint of flags.connect ?? []) {
    try {
      if (peer.connectPeer) report(`${endpoint} is routing id ${peer.connectPeer(endpoint)}`)
      else socket.connect(endpoint)
    } catch (err) {
      throw endpointError("connect", endpoint, err)
    }
  }
}

function endpointError(verb: string, endpoint: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code
  const text = `cannot ${verb} ${endpoint}: ${describeError(err)}`
  return typeof code === "string" && USAGE_CODES.has(code) ? new UsageError(text) : new Error(text)
}
