import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { parseEndpoint } from "../src/endpoint.js"
import {
  decodeRadioDatagram,
  encodeRadioDatagram,
  formatDgramAddress,
  MAX_UDP_DATAGRAM,
  MAX_UDP_GROUP,
  parseDgramAddress,
  radioDatagramSize,
} from "../src/udp/udp-datagram.js"
import { checkUdpSocketType, formatUdp } from "../src/udp/udp-endpoint.js"

const bytes = (s: string) => new TextEncoder().encode(s)
const str = (b: Uint8Array | undefined) => new TextDecoder().decode(b)

describe("udp datagrams (RADIO/DISH)", () => {
  it("encodes [group length][group][body], as libzmq's udp engine", () => {
    const datagram = encodeRadioDatagram(bytes("weather"), bytes("rain"))
    assert.deepEqual([...datagram], [7, ...bytes("weather"), ...bytes("rain")])
    assert.equal(datagram.byteLength, radioDatagramSize(7, 4))
  })

  it("encodes into a given buffer, and an empty group and body", () => {
    const into = new Uint8Array(16).fill(0xee)
    const datagram = encodeRadioDatagram(new Uint8Array(0), new Uint8Array(0), into)
    assert.deepEqual([...datagram], [0])
    assert.equal(datagram.buffer, into.buffer)
  })

  it("round-trips through decode, as views of the datagram", () => {
    const datagram = encodeRadioDatagram(bytes("g"), bytes("body"))
    const message = decodeRadioDatagram(datagram)!
    assert.deepEqual([str(message.group), str(message.body)], ["g", "body"])
    assert.equal(message.body.buffer, datagram.buffer)
  })

  it("refuses a group over 127 bytes and a datagram over 8,192 bytes", () => {
    assert.equal(MAX_UDP_GROUP, 127)
    assert.equal(MAX_UDP_DATAGRAM, 8192)
    encodeRadioDatagram(new Uint8Array(127), new Uint8Array(0))
    assert.throws(() => encodeRadioDatagram(new Uint8Array(128), new Uint8Array(0)), RangeError)
    encodeRadioDatagram(new Uint8Array(1), new Uint8Array(8190)) // exactly 8,192
    assert.throws(() => encodeRadioDatagram(new Uint8Array(1), new Uint8Array(8191)), RangeError)
  })

  it("drops what does not parse: empty, a group past the end, over 8,192 bytes", () => {
    assert.equal(decodeRadioDatagram(new Uint8Array(0)), null)
    assert.equal(decodeRadioDatagram(Uint8Array.of(5, 1, 2)), null)
    assert.equal(decodeRadioDatagram(Uint8Array.of(255)), null)
    assert.equal(decodeRadioDatagram(new Uint8Array(8193)), null)
    // A group filling the datagram exactly leaves an empty body.
    const message = decodeRadioDatagram(Uint8Array.of(2, 0x61, 0x62))!
    assert.deepEqual([str(message.group), message.body.byteLength], ["ab", 0])
  })

  it("reads the length byte unsigned: libzmq's RADIO writes groups of 128-255 bytes so", () => {
    const group = new Uint8Array(200).fill(0x67)
    const datagram = Uint8Array.of(200, ...group, ...bytes("x"))
    const message = decodeRadioDatagram(datagram)!
    assert.equal(message.group.byteLength, 200)
    assert.equal(str(message.body), "x")
  })
})

describe("DGRAM addresses", () => {
  it("parses numeric IPv4 a.b.c.d:port, with or without libzmq's trailing NUL", () => {
    assert.deepEqual(parseDgramAddress(bytes("127.0.0.1:5555")), { host: "127.0.0.1", port: 5555 })
    assert.deepEqual(parseDgramAddress(bytes("10.1.2.3:1\0")), { host: "10.1.2.3", port: 1 })
    assert.deepEqual(parseDgramAddress(bytes("255.255.255.254:65535\0")), {
      host: "255.255.255.254",
      port: 65535,
    })
  })

  it("rejects names, IPv6, bad ports, odd forms, and 255.255.255.255 (libzmq drops them)", () => {
    for (const bad of [
      "",
      "\0",
      "localhost:5555",
      "127.0.0.1",
      "127.0.0.1:",
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "127.0.0.1:55x",
      "127.1:5555",
      "127.0.0.01:5555",
      "0x7f.0.0.1:5555",
      "256.0.0.1:5555",
      "[::1]:5555",
      "::1:5555",
      "255.255.255.255:5555",
      "127.0.0.1:5555\0\0",
      " 127.0.0.1:5555",
    ]) {
      assert.equal(parseDgramAddress(bytes(bad)), null, JSON.stringify(bad))
    }
  })

  it("formats the address omq hands out: no NUL", () => {
    assert.equal(formatDgramAddress("127.0.0.1", 40000), "127.0.0.1:40000")
  })
})

describe("udp endpoints", () => {
  const udp = (text: string, bind: boolean) => {
    const ep = parseEndpoint(text, bind)
    assert.equal(ep.transport, "udp")
    return ep as Extract<typeof ep, { transport: "udp" }>
  }

  it("parses unicast, wildcard and multicast forms", () => {
    assert.deepEqual(udp("udp://127.0.0.1:5555", false), {
      transport: "udp",
      host: "127.0.0.1",
      port: 5555,
      iface: null,
      multicast: false,
      text: "udp://127.0.0.1:5555",
    })
    const any = udp("udp://*:*", true)
    assert.deepEqual([any.host, any.port], ["0.0.0.0", 0])
    const group = udp("udp://239.1.2.3:5555", true)
    assert.deepEqual([group.host, group.iface, group.multicast], ["239.1.2.3", null, true])
    const onLoopback = udp("udp://127.0.0.1;239.1.2.3:5555", false)
    assert.deepEqual([onLoopback.iface, onLoopback.multicast], ["127.0.0.1", true])
    assert.equal(udp("udp://eth0;224.0.0.1:7", true).iface, "eth0")
    assert.equal(udp("udp://*;239.1.2.3:7", true).iface, null)
    assert.equal(udp("udp://some-host.example:9", false).host, "some-host.example")
  })

  it("refuses what libzmq refuses", () => {
    for (const [text, bind] of [
      ["udp://127.0.0.1", true],
      ["udp://:5555", true],
      ["udp://*:5555", false],
      ["udp://127.0.0.1:*", false],
      ["udp://127.0.0.1:0", false],
      ["udp://127.0.0.1:65536", true],
      ["udp://[::1]:5555", true],
      ["udp://127.0.0.1;127.0.0.2:5555", true], // an interface with a unicast address
      ["udp://239.9.9.9;239.1.2.3:5555", true], // a multicast interface
      ["udp://;239.1.2.3:5555", true],
      ["udp://a b:5555", false],
    ] as const) {
      assert.throws(() => parseEndpoint(text, bind), { code: "EINVAL" }, text)
    }
  })

  it("formats the resolved endpoint, interface kept", () => {
    assert.equal(formatUdp(udp("udp://*:*", true), 4000), "udp://0.0.0.0:4000")
    assert.equal(
      formatUdp(udp("udp://127.0.0.1;239.1.2.3:5000", true), 5000),
      "udp://127.0.0.1;239.1.2.3:5000",
    )
  })

  it("only a RADIO connects and only a DISH or a DGRAM binds: else ENOCOMPATPROTO", () => {
    checkUdpSocketType("RADIO", false, "udp://x:1")
    checkUdpSocketType("DISH", true, "udp://*:1")
    checkUdpSocketType("DGRAM", true, "udp://*:1")
    for (const [type, bind] of [
      ["RADIO", true],
      ["DISH", false],
      ["DGRAM", false],
      ["PUB", true],
      ["PUSH", false],
    ] as const) {
      assert.throws(() => checkUdpSocketType(type, bind, "udp://x:1"), {
        code: "ENOCOMPATPROTO",
      })
    }
  })
})
