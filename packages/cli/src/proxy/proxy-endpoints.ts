// A proxy side's endpoints in czmq's notation: `@` binds, `>` connects, several joined by commas.
// Without a prefix an endpoint binds (a proxy usually binds both sides; `tcp://*:5555` only can).
import type { EndpointFlags } from "../endpoints.js"

/** `@tcp://*:5555,>tcp://host:5556` as binds and connects. */
export function proxyEndpoints(text: string): Required<EndpointFlags> {
  const flags: Required<EndpointFlags> = { bind: [], connect: [] }
  for (const part of text.split(",")) {
    const endpoint = part.trim()
    if (endpoint === "") continue
    if (endpoint.startsWith(">")) flags.connect.push(endpoint.slice(1))
    else flags.bind.push(endpoint.startsWith("@") ? endpoint.slice(1) : endpoint)
  }
  return flags
}
