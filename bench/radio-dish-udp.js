// RADIO -> DISH over udp (unicast on loopback), 64-byte messages, sender and receiver in
// separate processes, the sender awaiting each send() (with an event-loop turn every 256
// sends, see sender()). Compares omq (ioThreads 0 and 1) with zeromq.js (libzmq 4.3.5's drafts)
// in the same run, and shows for reference plain node:dgram sockets sending and receiving the
// same datagrams: the most a Node thread gets through on this machine.
//
//   node bench/radio-dish-udp.js [--runs 3] [--size 64] [--window 1.5]
//
// udp drops what the receiver's kernel buffer cannot hold, so messages are not counted to a
// fixed number: the sender sends for the window and one second more, and the DISH counts what
// it received in the `--window` seconds from its first message. Prints one table: per library
// the median (of --runs runs) sent and received rates, the share received, and each received
// rate against zeromq.js's.
import { createSocket } from "node:dgram"
import { benchArgs, exited, median, message, startPair } from "./child-processes.js"

const LIBS = ["omq-io0", "omq-io1", "zeromq", "node-dgram"]
const GROUP = "bench"
/** Sends between two turns of the sender's event loop. */
const BURST = 256

/** The library's Radio and Dish, `join(dish, group)`, the socket options, and `done`. */
async function openDraft(lib) {
  if (lib === "node-dgram") {
    const join = (dish, group) => dish.join(group)
    return { Radio: RawRadio, Dish: RawDish, join, opts: {}, done: async () => {} }
  }
  if (lib === "zeromq") {
    const zmq = await import("zeromq")
    const draft = await import("zeromq/draft.js")
    // zeromq.js 6.8's Dish#join loses its socket: call the native method on the dish.
    const join = (dish, group) => zmq.Socket.prototype.join.call(dish, group)
    return { ...draft, join, opts: {}, done: async () => {} }
  }
  const omq = await import("omq")
  const draft = await import("omq/draft")
  const context = new omq.Context({ ioThreads: lib === "omq-io0" ? 0 : 1 })
  const join = (dish, group) => dish.join(group)
  return { ...draft, join, opts: { context }, done: () => context.terminate() }
}

/**
 * The reference: a RADIO as plain node:dgram, sending the datagram omq and libzmq send
 * ([group length][group][body]) on a connected socket, without waiting for anything.
 */
class RawRadio {
  #socket = createSocket("udp4")
  #connected = null
  connect(endpoint) {
    // A connected socket hears ICMP "port unreachable" once the dish is gone: not an error here.
    this.#socket.on("error", () => {})
    const url = new URL(endpoint)
    this.#connected = new Promise((resolve) =>
      this.#socket.connect(Number(url.port), url.hostname, resolve),
    )
  }
  async send(body, { group }) {
    await this.#connected
    const g = Buffer.from(group)
    this.#socket.send(Buffer.concat([Buffer.of(g.length), g, body]))
  }
  close() {
    this.#socket.close()
  }
}

/** The reference DISH: plain node:dgram, parsing each datagram and filtering by group. */
class RawDish {
  #socket = createSocket("udp4")
  #groups = new Set()
  #queue = []
  #waiting = null
  #timeout
  constructor({ receiveTimeout }) {
    this.#timeout = receiveTimeout
    this.#socket.on("message", (datagram) => {
      const end = 1 + datagram[0]
      if (end > datagram.length) return
      const group = datagram.subarray(1, end)
      if (!this.#groups.has(group.toString("latin1"))) return
      const message = [datagram.subarray(end), { group }]
      if (this.#waiting) this.#waiting(message)
      else this.#queue.push(message)
    })
  }
  join(group) {
    this.#groups.add(group)
  }
  bind(endpoint) {
    const url = new URL(endpoint)
    return new Promise((resolve) => this.#socket.bind(Number(url.port), url.hostname, resolve))
  }
  receive() {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift())
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null
        reject(Object.assign(new Error("timed out"), { code: "EAGAIN" }))
      }, this.#timeout)
      this.#waiting = (message) => {
        clearTimeout(timer)
        this.#waiting = null
        resolve(message)
      }
    })
  }
  close() {
    this.#socket.close()
  }
}

/** A loopback udp port that was free a moment ago (libzmq's lastEndpoint keeps a `*` port). */
async function freeUdpPort() {
  const socket = createSocket("udp4")
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve))
  const { port } = socket.address()
  await new Promise((resolve) => socket.close(resolve))
  return port
}

/** Child: the DISH. Binds, reports its endpoint, counts a window's messages, reports. */
async function receiver(lib, size, windowMs) {
  const { Dish, join, opts, done } = await openDraft(lib)
  const dish = new Dish({ ...opts, receiveTimeout: 2000, linger: 0 })
  join(dish, GROUP)
  const endpoint = `udp://127.0.0.1:${await freeUdpPort()}`
  await dish.bind(endpoint)
  process.send({ endpoint })
  let count = 0
  let first = 0
  try {
    for (;;) {
      const [body] = await dish.receive()
      const now = performance.now()
      if (count === 0) first = now
      else if (now - first >= windowMs) break
      if (body.length !== size) throw new Error(`bad size ${body.length}`)
      count++
    }
  } catch (err) {
    if (err.code !== "EAGAIN") throw err // the sender stopped before the window ended
  }
  const seconds = count > 0 ? Math.min(windowMs, performance.now() - first) / 1000 : 1
  process.send({ received: count / seconds })
  dish.close()
  await done()
}

/**
 * Child: the RADIO. Sends for the window and a second more, then reports its rate. A RADIO is
 * lossy: a send to a pipe at its high-water mark is dropped, not waited for, so an `await
 * send()` loop never leaves the microtask queue. The loop gives the event loop a turn every
 * BURST sends, as any application does, else omq's pipes never get their send credit back
 * (it comes through the event loop) and all but the first high-water mark's worth is dropped.
 * (zeromq.js's RADIO has no noDrop option; libzmq's ZMQ_XPUB_NODROP on it makes send() fail
 * with EAGAIN.) "sent" counts send() calls, including what a pipe dropped.
 */
async function sender(lib, size, windowMs, endpoint) {
  const { Radio, opts, done } = await openDraft(lib)
  const radio = new Radio({ ...opts, linger: 0 })
  radio.connect(endpoint)
  const payload = Buffer.alloc(size, 7)
  const options = { group: GROUP }
  const start = performance.now()
  const end = start + windowMs + 1000
  let sent = 0
  while (performance.now() < end) {
    for (let i = 0; i < BURST; i++) await radio.send(payload, options)
    sent += BURST
    await new Promise(setImmediate)
  }
  process.send({ sent: sent / ((performance.now() - start) / 1000) })
  radio.close()
  await done()
}

async function measure(lib, size, windowMs) {
  const params = { size, window: windowMs }
  const [recv, send] = await startPair(import.meta.url, lib, "recv", "send", params)
  const [{ received }, { sent }] = await Promise.all([
    message(recv, (m) => m.received !== undefined),
    message(send, (m) => m.sent !== undefined),
  ])
  await Promise.all([exited(recv), exited(send)])
  return { sent, received }
}

const rate = (r) => (r >= 1000 ? `${(r / 1000).toFixed(0)}k/s` : `${r.toFixed(0)}/s`)

async function main() {
  const values = benchArgs({
    size: { type: "string", default: "64" },
    window: { type: "string", default: "1.5" },
  })
  const size = Number(values.size)
  if (values.role === "recv") return receiver(values.lib, size, Number(values.window))
  if (values.role === "send")
    return sender(values.lib, size, Number(values.window), values.endpoint)

  const runs = Number(values.runs)
  const windowMs = Number(values.window) * 1000
  const results = Object.fromEntries(LIBS.map((lib) => [lib, { sent: [], received: [] }]))
  // Interleave libraries run by run so that machine noise hits them alike.
  for (let r = 0; r < runs; r++)
    for (const lib of LIBS) {
      const { sent, received } = await measure(lib, size, windowMs)
      results[lib].sent.push(sent)
      results[lib].received.push(received)
      console.error(`run ${r + 1}, ${lib}: sent ${rate(sent)}, received ${rate(received)}`)
    }
  const m = Object.fromEntries(
    LIBS.map((lib) => [
      lib,
      { sent: median(results[lib].sent), received: median(results[lib].received) },
    ]),
  )
  const names = {
    "omq-io0": "omq io0",
    "omq-io1": "omq io1",
    zeromq: "zeromq.js",
    "node-dgram": "node:dgram (reference)",
  }
  const rows = LIBS.map((lib) => ({
    lib: names[lib],
    "sent/s": rate(m[lib].sent),
    "received/s": rate(m[lib].received),
    "share received": `${Math.min(100, (100 * m[lib].received) / m[lib].sent).toFixed(0)}%`,
    "received / zmq": (m[lib].received / m.zeromq.received).toFixed(2),
  }))
  console.log(
    `RADIO->DISH udp (loopback) ${size} B, sender awaits each send, received in a ${values.window} s window, median of ${runs} runs`,
  )
  console.table(rows)
}

await main()
