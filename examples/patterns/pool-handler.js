// The request handler mdpoolworker.js runs on its pool's threads: CPU-bound (the request's
// body hashed 2,000 times over, a few ms of work), then it echoes the request, so mdclient.js
// can check every reply. Runs on a piscina thread, never on the worker's socket thread.
import { createHash } from "node:crypto"

export default function hashThenEcho(request) {
  let digest = Buffer.concat(request)
  for (let i = 0; i < 2_000; i++) digest = createHash("sha256").update(digest).digest()
  return request
}
