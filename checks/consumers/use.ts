// A TypeScript consumer of omq, omq/draft and @omq/patterns, type-checked (never run) by
// checks/tests/packed.test.js against the .d.ts files of the packed packages, once with
// `moduleResolution: "node16"` (node16/tsconfig.json) and once with "bundler"
// (bundler/tsconfig.json). Each line's types are asserted with `satisfies` or an annotation.

import {
  MajordomoBroker,
  type MajordomoBrokerOptions,
  MajordomoClient,
  type MajordomoHandler,
  MajordomoWorker,
  type MdpVersion,
} from "@omq/patterns"
import {
  Context,
  capability,
  context,
  curveKeyPair,
  Dealer,
  type Event,
  type EventOfType,
  type Message,
  type MessageProperties,
  merge,
  type Observer,
  Poller,
  type PollResult,
  Proxy,
  Publisher,
  Pull,
  Push,
  type Readable,
  Reply,
  Request,
  Router,
  type SocketOptions,
  Subscriber,
  version,
  type Writable,
  XPublisher,
  XSubscriber,
  ZmqError,
  type ZmqErrorCode,
} from "omq"
import {
  attachShared,
  Client,
  Dish,
  type DishGroup,
  type Gather,
  Radio,
  Server,
  type ServerRouting,
} from "omq/draft"

export async function sockets(): Promise<void> {
  const ctx = new Context({ ioThreads: 2, maxSockets: 100, blocky: false })
  const pull = new Pull({ context: ctx, linger: 0, receiveHighWaterMark: 10 })
  await pull.bind("tcp://127.0.0.1:*")
  const endpoint: string | null = pull.lastEndpoint
  const push = new Push({ context: ctx, sendTimeout: 1000, immediate: true })
  push.connect(endpoint ?? "tcp://127.0.0.1:5555")
  await push.send(["frame", Buffer.from("bytes"), new Uint8Array(2)])
  const sent: boolean = push.trySend("one")
  const frames: Buffer[] = await pull.receive()
  const [received, properties] = await pull.receiveWithProperties()
  received satisfies Buffer[]
  properties satisfies MessageProperties
  for await (const message of pull) message satisfies Buffer[]
  pull.linger = 100
  pull.receiveTimeout satisfies number
  pull.securityMechanism satisfies null | "plain" | "curve"
  const readable: boolean = pull.readable && push.writable && !pull.closed
  void [sent, frames, readable, context, version, capability.curve satisfies boolean | undefined]
  push.close()
  pull.close()
  await ctx.terminate()
}

export async function reqRep(): Promise<Buffer[]> {
  const reply = new Reply()
  await reply.bind("inproc://use")
  const request = new Request({ correlate: true, relaxed: true, routingId: "me" })
  request.connect("inproc://use")
  await request.send("hello")
  const router = new Router({ mandatory: true, handover: true })
  router.connect("inproc://other", { routingId: "peer" })
  const dealer = new Dealer({ conflate: false })
  dealer.close()
  return request.receive()
}

export async function pubSub(): Promise<void> {
  const pub = new Publisher({ noDrop: true, invertMatching: false })
  const sub = new Subscriber({ receiveHighWaterMark: 0 })
  sub.subscribe("weather", new Uint8Array([1]))
  sub.unsubscribe()
  const xpub = new XPublisher({ verbosity: "allSubs", manual: true })
  const xsub = new XSubscriber()
  void [pub, xpub, xsub]
}

export function events(socket: Pull): Observer {
  const observer: Observer = socket.events
  observer.on("connect:retry", (event) => {
    event.interval satisfies number
    event.address satisfies string
  })
  observer.on("handshake:error:auth", (event: EventOfType<"handshake:error:auth">) => {
    event.error.status satisfies 300 | 400 | 500 | undefined
    event.error.code satisfies string
  })
  void (async () => {
    for await (const event of observer) {
      const e: Event = event
      if (e.type === "bind") e.address satisfies string
    }
  })()
  return observer
}

/** zeromq.js's Readable and Writable: any socket that receives, any that sends. */
export async function relay(from: Readable, to: Writable): Promise<void> {
  await to.send(await from.receive())
}

export async function capabilities(pull: Pull, push: Push, dealer: Dealer): Promise<void> {
  await relay(pull, push)
  await relay(dealer, dealer)
  await relay(new XSubscriber(), new XPublisher())
}

/** A subclass, as zeromq.js users write them: the class's calls, `instanceof` and `super`. */
class JsonPull extends Pull {
  async json(): Promise<unknown> {
    const [body] = await this.receive()
    return JSON.parse(String(body))
  }
}

export async function subclass(socket: unknown): Promise<unknown> {
  if (socket instanceof JsonPull) return socket.json()
  if (socket instanceof Pull) return socket.receive()
  return new JsonPull({ linger: 0 }).json()
}

export async function polling(a: Pull, b: Dealer): Promise<void> {
  const poller = new Poller<Pull | Dealer>()
  poller.add(a)
  poller.add(b, { readable: true, writable: true })
  const ready: PollResult<Pull | Dealer>[] = await poller.poll(100, AbortSignal.timeout(1000))
  for (const { socket, readable } of ready) if (readable) await socket.receive()
  poller.close()
  // Sockets of two classes: merge() yields the union.
  for await (const [socket, message] of merge(a, b, { signal: AbortSignal.timeout(10) })) {
    socket satisfies Pull | Dealer
    message satisfies Buffer[]
  }
  for await (const [socket, message] of merge(a, new Server())) {
    socket satisfies Pull | Server
    message satisfies Buffer[] | [Buffer, ServerRouting]
  }
}

export async function proxy(): Promise<void> {
  const frontEnd = new Router()
  const backEnd = new Dealer()
  const proxy = new Proxy(frontEnd, backEnd)
  proxy.frontEnd satisfies Router
  const running: Promise<void> = proxy.run()
  proxy.pause()
  proxy.resume()
  proxy.terminate()
  await running
  proxy.stats.frontToBack.messages satisfies number
}

export function security(): SocketOptions["curveServerKey"] {
  const server = curveKeyPair()
  const client = curveKeyPair()
  const socket = new Dealer({
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: Buffer.alloc(32),
  })
  socket.curveServer = false
  socket.plainUsername = "user"
  return socket.curveServerKey
}

export function errors(error: unknown): ZmqErrorCode | undefined {
  if (error instanceof ZmqError) return error.code
  return undefined
}

export async function draft(): Promise<void> {
  const server = new Server()
  const client = new Client()
  const [message, routing]: [Buffer, ServerRouting] = await server.receive()
  await server.send(message, { routingId: routing.routingId })
  await client.send("single frame")
  const [reply]: [Buffer] = await client.receive()
  void reply
  const radio = new Radio()
  await radio.send("body", { group: "news" })
  const dish = new Dish()
  dish.join("news")
  const [body, group]: [Buffer, DishGroup] = await dish.receive()
  void [body, group]
}

export async function majordomo(mdp: MdpVersion): Promise<void> {
  const options: MajordomoBrokerOptions = { heartbeat: 1000, liveness: 3 }
  const broker: MajordomoBroker = await MajordomoBroker.bind("tcp://127.0.0.1:*", options)
  const handler: MajordomoHandler = async (request, reply) => {
    await reply.partial("working")
    return request
  }
  const worker = new MajordomoWorker("inproc://broker", "echo", handler, { mdp })
  const client = new MajordomoClient("inproc://broker", { mdp, timeout: 500, retries: 1 })
  const reply: Buffer[] = await client.request("echo", ["a", "b"] satisfies Message)
  for await (const part of client.stream("echo", "c")) part satisfies Buffer[]
  void reply
  client.close()
  await worker.drain()
  broker.close()
}

// A ROUTER's replies as zeromq.js code writes them: arrays from literals, spreads and receive().
export async function routerReplies(router: Router): Promise<void> {
  const [id, empty, request] = await router.receive()
  await router.send([id, empty, `re: ${request}`])
  const [sender, ...body] = await router.receive()
  await router.send([sender, ...body])
  router.trySend([sender, "", Buffer.from("x")])
  const message: Buffer[] = await router.receive()
  await router.send(message)
}

// A thread attached to a shared socket has the calls of the socket's class.
export async function attached(server: Server, radio: Radio, gather: Gather): Promise<void> {
  const fromServer = await attachShared(server.share())
  const [request, { routingId }] = await fromServer.receive()
  await fromServer.send(request, { routingId })
  const fromRadio = await attachShared(radio.share(), { readAhead: 0 })
  await fromRadio.send("news", { group: "g" })
  const fromGather = await attachShared<Gather>(gather.share())
  for await (const [message] of fromGather) message satisfies Buffer
  fromGather.close()
  await fromGather.finished
}
