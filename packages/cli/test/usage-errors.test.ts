// What the command line refuses, before any socket is made: the message names what was wrong,
// and the exit status is 2.
import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import { omqRun } from "./helpers/omq-process.js"

const BIND = ["--bind", "tcp://127.0.0.1:*"]

const CASES: Array<[what: string, args: string[], message: RegExp]> = [
  ["an unknown socket type", ["cat", "FOO", ...BIND], /unknown socket type 'FOO' \(one of PAIR, /],
  [
    "an endpoint without transport",
    ["cat", "PULL", "--bind", "nowhere"],
    /cannot bind nowhere: EINVAL: invalid endpoint/,
  ],
  [
    "an unknown transport",
    ["cat", "PULL", "--connect", "tcpp://x:1"],
    /cannot connect tcpp:\/\/x:1: EPROTONOSUPPORT: unknown transport 'tcpp'/,
  ],
  ["a tcp endpoint without port", ["cat", "PULL", "--bind", "tcp://127.0.0.1"], /missing port/],
  [
    "a transport the type cannot use",
    ["cat", "PUSH", "--bind", "udp://127.0.0.1:5000"],
    /ENOCOMPATPROTO: a PUSH socket cannot bind to udp/,
  ],
  ["no endpoint at all", ["cat", "PUSH"], /give an endpoint with --bind or --connect/],
  [
    "an unknown socket option",
    ["cat", "PUSH", "-o", "sendHighWatermark=5", ...BIND],
    /unknown socket option 'sendHighWatermark' for PUSH \(did you mean sendHighWaterMark\?\)/,
  ],
  [
    "a read-only property as option",
    ["cat", "PUSH", "-o", "closed=true", ...BIND],
    /unknown socket option 'closed'/,
  ],
  [
    "an option value of the wrong type",
    ["cat", "PUSH", "-o", "linger=soon", ...BIND],
    /-o linger=soon: not a number/,
  ],
  [
    "an option value omq refuses",
    ["cat", "PUSH", "-o", "linger=-5", ...BIND],
    /linger must be an integer >= -1/,
  ],
  ["-o without =", ["cat", "PUSH", "-o", "linger", ...BIND], /-o wants name=value, got 'linger'/],
  [
    "--count on a type that cannot receive",
    ["cat", "PUSH", "--count", "3", ...BIND],
    /PUSH cannot receive, and --count counts messages received/,
  ],
  [
    "--subscribe on a PULL",
    ["cat", "PULL", "-s", "x", ...BIND],
    /--subscribe is for SUB and XSUB, not PULL/,
  ],
  ["a DISH without --join", ["cat", "DISH", ...BIND], /DISH receives only the groups it joins/],
  ["--exec on a PUSH", ["cat", "PUSH", "--exec", "cat", ...BIND], /--exec answers requests/],
  [
    "a bad --count",
    ["cat", "PULL", "--count", "many", ...BIND],
    /option '-n, --count <n>' argument 'many' is invalid/,
  ],
  [
    "an unknown format",
    ["cat", "PULL", "--format", "xml", ...BIND],
    /argument 'xml' is invalid. Allowed choices are line, nul, jsonl, raw/,
  ],
  ["an unknown flag", ["cat", "PULL", "--frobnicate", ...BIND], /unknown option '--frobnicate'/],
  ["an unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
  [
    "a CURVE client key that is not Z85",
    ["cat", "REQ", "--curve-server-key", "short", ...BIND],
    /curveServerKey: EINVAL: option curveServerKey must be null, 40 characters of Z85/,
  ],
  [
    "PLAIN server without accounts",
    ["cat", "REP", "--plain-server", ...BIND],
    /--plain-server needs --plain-allow/,
  ],
  [
    "CURVE and PLAIN together",
    ["cat", "REP", "--plain-server", "--curve-server", ...BIND],
    /choose CURVE or PLAIN, not both/,
  ],
  [
    "a missing certificate",
    ["cat", "REQ", "--curve-server-cert", "/nonexistent/cert", ...BIND],
    /--curve-server-cert \/nonexistent\/cert: ENOENT/,
  ],
  [
    'an empty --timeout (Number("") would be 0)',
    ["cat", "PULL", "--timeout", "", ...BIND],
    /option '-t, --timeout <ms>' argument '' is invalid. want a whole number >= 1/,
  ],
  [
    "monitor --count 0 (it would never stop)",
    ["monitor", "tcp://127.0.0.1:1", "--count", "0"],
    /argument '0' is invalid. want a whole number >= 1/,
  ],
  [
    "monitor --timeout with nothing to wait for",
    ["monitor", "tcp://127.0.0.1:1", "--timeout", "300"],
    /--timeout needs --count or --until/,
  ],
  [
    "monitor --until an unknown event",
    ["monitor", "tcp://127.0.0.1:1", "--until", "hello"],
    /--until: unknown event 'hello'/,
  ],
  [
    "proxy with an unknown type",
    ["proxy", "ROUTER", "tcp://127.0.0.1:*", "DEALR", "tcp://127.0.0.1:*"],
    /unknown socket type 'DEALR'/,
  ],
  [
    "a proxy capture that cannot send",
    [
      "proxy",
      "PULL",
      "tcp://127.0.0.1:*",
      "PUSH",
      "tcp://127.0.0.1:*",
      "--capture",
      "tcp://127.0.0.1:*",
      "--capture-type",
      "SUB",
    ],
    /SUB cannot send/,
  ],
  [
    "keygen --metadata without --cert",
    ["keygen", "-m", "a=b"],
    /--metadata goes into a certificate/,
  ],
]

describe("usage errors exit 2 with a message", { concurrency: 4 }, () => {
  for (const [what, args, message] of CASES) {
    it(what, async () => {
      const { code, stderr } = await omqRun(args)
      assert.match(stderr, message)
      assert.equal(code, 2, stderr)
    })
  }
})

describe("help", () => {
  for (const command of ["cat", "monitor", "proxy", "keygen"]) {
    it(`omq ${command} --help shows examples and exits 0`, async () => {
      const { code, stdout } = await omqRun([command, "--help"])
      assert.equal(code, 0)
      assert.match(
        stdout.toString(),
        new RegExp(`Usage: omq ${command} [\\s\\S]*Examples:\\n {2}\\$ omq ${command} `),
      )
    })
  }
})
