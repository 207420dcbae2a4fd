// Misuse that omq's published types reject: each line must fail to type-check (tsc reports an
// unused @ts-expect-error otherwise). Type-checked, never run, by checks/tests/packed.test.js.
// Misuse they still accept is in still-type-checks.ts.

import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@omq/patterns"
import {
  Context,
  curveKeyPair,
  Dealer,
  Poller,
  Proxy,
  type Publisher,
  Pull,
  Push,
  type Readable,
  Request,
  type Router,
  type Stream,
  type Subscriber,
  type Writable,
} from "omq"
import type {
  Publisher as BrowserPublisher,
  Pull as BrowserPull,
  Push as BrowserPush,
  Router as BrowserRouter,
  Subscriber as BrowserSubscriber,
} from "omq/browser"
import {
  attachShared,
  type Client,
  type Datagram,
  type Dish,
  type Gather,
  type Radio,
  type Scatter,
  type Server,
} from "omq/draft"

export function options(push: Push): void {
  // @ts-expect-error an option name that does not exist
  new Push({ lingr: 0 })
  // @ts-expect-error an option value of the wrong type
  new Push({ linger: "0" })
  // @ts-expect-error a CURVE key is Z85 text or bytes
  new Dealer({ curveSecretKey: 5 })
  // @ts-expect-error another socket type's option (ROUTER's)
  new Request({ mandatory: true })
  // @ts-expect-error a context option name that does not exist
  new Context({ ioThread: 1 })
  // @ts-expect-error a context option of the wrong type
  new Context({ ioThreads: "1" })
  // @ts-expect-error a context is a Context
  new Pull({ context: {} })
  // @ts-expect-error an option property of the wrong type
  push.linger = "0"
  // @ts-expect-error a read-only option
  push.securityMechanism = "curve"
  // @ts-expect-error a read-only property
  push.type = "PULL"
  // @ts-expect-error a read-only property
  push.closed = true
  // @ts-expect-error a read-only property
  push.writable = false
}

export async function calls(push: Push, sub: Subscriber, pub: Publisher, router: Router) {
  // @ts-expect-error omq sends strings, bytes and null, not numbers (zeromq.js takes numbers)
  await push.send(42)
  // @ts-expect-error a frame is not an object
  await push.send({ body: "x" })
  // @ts-expect-error an endpoint is a string
  await push.bind(5555)
  // @ts-expect-error a prefix is text or bytes
  sub.subscribe(1)
  // @ts-expect-error a PUB has no subscribe()
  pub.subscribe("topic")
  // @ts-expect-error a PUSH has no join()
  push.join("group")
  // @ts-expect-error a ROUTER's connect routing id is text
  router.connect("tcp://127.0.0.1:5555", { routingId: 1 })
}

export async function draft(server: Server, dish: Dish): Promise<void> {
  // @ts-expect-error a SERVER's routing id is a number
  await server.send("x", { routingId: "peer" })
  // @ts-expect-error a DISH sends nothing: it has no send()
  await dish.send("x", { group: "news" })
  // @ts-expect-error a SERVER's routing id is its second argument, not part of the message
  await server.send(["x", "y"], { routingId: 1 })
}

export async function receiveOnly(pull: Pull, sub: Subscriber, dish: Dish, gather: Gather) {
  // @ts-expect-error a PULL cannot send (ENOTSUP at run time)
  await pull.send("x")
  // @ts-expect-error a PULL cannot send
  pull.trySend("x")
  // @ts-expect-error a SUB cannot send
  await sub.send("x")
  // @ts-expect-error a DISH cannot send
  await dish.send("x")
  // @ts-expect-error a GATHER cannot send
  await gather.send("x")
  // @ts-expect-error a PULL is not Writable
  void (pull satisfies Writable)
}

export async function sendOnly(push: Push, pub: Publisher, radio: Radio, scatter: Scatter) {
  // @ts-expect-error a PUSH cannot receive (ENOTSUP at run time)
  await push.receive()
  // @ts-expect-error a PUSH cannot receive
  await push.receiveWithProperties()
  // @ts-expect-error a PUSH cannot receive, so it is not async-iterable
  for await (const message of push) void message
  // @ts-expect-error a PUB cannot receive
  await pub.receive()
  // @ts-expect-error a RADIO cannot receive
  await radio.receive()
  // @ts-expect-error a SCATTER cannot receive
  await scatter.receive()
  // @ts-expect-error a PUSH is not Readable
  void (push satisfies Readable)
}

export async function missingOrExtra(
  server: Server,
  radio: Radio,
  client: Client,
  datagram: Datagram,
  stream: Stream,
  pull: Pull,
) {
  // @ts-expect-error a SERVER's send needs { routingId } (EHOSTUNREACH at run time)
  await server.send("x")
  // @ts-expect-error a RADIO's send needs { group } (EINVAL at run time)
  await radio.send("x")
  // @ts-expect-error CLIENT, SERVER, RADIO, ... send single frames (EINVAL at run time)
  await client.send(["two", "frames"])
  // @ts-expect-error a DGRAM message is [address, body]
  await datagram.send(["one"])
  // @ts-expect-error a STREAM message is [routing id, data]
  await stream.send(["id", "data", "more"])
  await pull.bind("tcp://127.0.0.1:*")
  // @ts-expect-error a read-only property
  pull.lastEndpoint = "tcp://elsewhere:1"
}

export function events(pull: Pull): void {
  // @ts-expect-error an event type that does not exist
  pull.events.on("connected", () => {})
  pull.events.on("connect:retry", (event) => {
    // @ts-expect-error a field of another event type
    event.error
  })
}

export function others(pull: Pull, router: Router, dealer: Dealer): void {
  // @ts-expect-error a key pair's keys are Z85 text
  const key: Uint8Array = curveKeyPair().publicKey
  // @ts-expect-error a Poller of Pulls polls Pulls
  new Poller<Pull>().add(dealer)
  // @ts-expect-error the proxy's front end is the ROUTER given
  new Proxy(router, dealer).frontEnd satisfies Dealer
  void [key, pull]
}

export function patterns(): void {
  // @ts-expect-error a broker is made by MajordomoBroker.bind(), which binds it
  new MajordomoBroker({})
  // @ts-expect-error a worker needs its handler
  new MajordomoWorker("tcp://127.0.0.1:5555", "echo")
  // @ts-expect-error MDP is "0.1" or "0.2"
  new MajordomoClient("tcp://127.0.0.1:5555", { mdp: "0.3" })
}

export async function routed(router: Router): Promise<void> {
  // @ts-expect-error a ROUTER message starts with the routing id: a lone frame has no body (EINVAL)
  await router.send("only a body")
  // @ts-expect-error nor has an array of one frame
  await router.send(["only a body"])
  // @ts-expect-error a lone Buffer is one frame too
  router.trySend(Buffer.from("x"))
}

export async function attached(dish: Dish, radio: Radio, server: Server): Promise<void> {
  const fromDish = await attachShared(dish.share())
  // @ts-expect-error a thread attached to a DISH cannot send (ENOTSUP at run time)
  await fromDish.send("x")
  const fromRadio = await attachShared(radio.share())
  // @ts-expect-error a thread attached to a RADIO cannot receive
  await fromRadio.receive()
  // @ts-expect-error a RADIO's send needs { group }, from an attached thread too
  await fromRadio.send("x")
  const fromServer = await attachShared(server.share())
  // @ts-expect-error a SERVER's send needs { routingId }, from an attached thread too
  await fromServer.send("x")
  // @ts-expect-error an attached thread has no trySend()
  fromServer.trySend("x", { routingId: 1 })
}

export async function browser(
  sub: BrowserSubscriber,
  pull: BrowserPull,
  push: BrowserPush,
  pub: BrowserPublisher,
  router: BrowserRouter,
): Promise<void> {
  // @ts-expect-error a SUB cannot send, in a page either (ENOTSUP at run time)
  await sub.send("x")
  // @ts-expect-error a PULL cannot send
  await pull.send("x")
  // @ts-expect-error a PUSH cannot receive
  await push.receive()
  // @ts-expect-error a PUSH cannot receive, so it is not async-iterable
  for await (const message of push) void message
  // @ts-expect-error a PUB cannot receive
  await pub.receive()
  // @ts-expect-error a ROUTER message starts with the routing id
  await router.send("only a body")
}
