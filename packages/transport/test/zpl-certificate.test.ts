import { strict as assert } from "node:assert"
import { describe, it } from "node:test"
import {
  formatPublicCertificate,
  formatSecretCertificate,
  parseCertificate,
} from "../src/zmtp/mod.js"

const PUBLIC_KEY = ":e]sFBfmO=CXB<s[3F#N0}vo02YRV?vf{DHaR3mu"
const SECRET_KEY = "&Q32$DHKaO(ci<4naRdo=!6swQ16hM?ifc8r3zeF"
const AT = new Date(2026, 11, 2, 3, 1, 5) // local time, as czmq stamps it
const METADATA = { name: "Ada Lovelace", email: "ada@example.org" }

// The bytes czmq 4.2 writes, built from its source: zcert_save_public / zcert_save_secret
// (src/zcert.c) set these comment lines on the root and put /curve/public-key (and secret-key);
// s_save_metadata_all adds the metadata section and the "Generated on" line first; zconfig's
// s_config_save (src/zconfig.c) prints each comment as "#" + text, a blank line after the
// comments, then every item indented 4 spaces per level below the root, values in "...".
// The comment lines are omq's own words. (The czmq interop test checks the rest against real czmq.)
const PUBLIC_TEXT = `#   ****  Generated on 2026-12-02 03:01:05 by omq  ****
#   CURVE public certificate (ZPL, czmq's zcert format)
#   Give it to peers over a channel they trust.

metadata
    name = "Ada Lovelace"
    email = "ada@example.org"
curve
    public-key = "${PUBLIC_KEY}"
`
const SECRET_TEXT = `#   ****  Generated on 2026-12-02 03:01:05 by omq  ****
#   CURVE secret certificate (ZPL, czmq's zcert format)
#   Holds the secret key: keep it private (mode 0600).

metadata
    name = "Ada Lovelace"
    email = "ada@example.org"
curve
    public-key = "${PUBLIC_KEY}"
    secret-key = "${SECRET_KEY}"
`

describe("zpl-certificate", () => {
  it("formats the public file as czmq does", () => {
    const text = formatPublicCertificate({ publicKey: PUBLIC_KEY, metadata: METADATA }, AT)
    assert.equal(text, PUBLIC_TEXT)
  })

  it("formats the secret file as czmq does", () => {
    const cert = { publicKey: PUBLIC_KEY, secretKey: SECRET_KEY, metadata: METADATA }
    assert.equal(formatSecretCertificate(cert, AT), SECRET_TEXT)
  })

  it("writes an empty metadata section when there is none", () => {
    const text = formatPublicCertificate({ publicKey: PUBLIC_KEY }, AT)
    assert.ok(text.endsWith(`\n\nmetadata\ncurve\n    public-key = "${PUBLIC_KEY}"\n`))
  })

  it("parses both files back", () => {
    assert.deepEqual(parseCertificate(PUBLIC_TEXT), { publicKey: PUBLIC_KEY, metadata: METADATA })
    assert.deepEqual(parseCertificate(SECRET_TEXT), {
      publicKey: PUBLIC_KEY,
      secretKey: SECRET_KEY,
      metadata: METADATA,
    })
  })

  it("reads what czmq's ZPL reader accepts", () => {
    const text = [
      "# hand-written",
      "",
      "metadata",
      "    bare = some value   # a comment",
      "    single = 'it has \"quotes\"'   ",
      "    flag",
      "    nested",
      "        deeper = ignored",
      "    bare = the first one wins",
      "curve",
      `    public-key = '${PUBLIC_KEY}'`,
      `    secret-key="${SECRET_KEY}"\r`,
      "other",
      "    x = 1",
    ].join("\n")
    assert.deepEqual(parseCertificate(text), {
      publicKey: PUBLIC_KEY,
      secretKey: SECRET_KEY,
      metadata: { bare: "some value", single: 'it has "quotes"', flag: "", nested: "" },
    })
    assert.deepEqual(parseCertificate(""), { metadata: {} })
  })

  it("rejects text czmq's reader rejects", () => {
    const bad = [
      "metadata\n  name = x", // indent not a multiple of 4
      "metadata\n\tname = x", // tabs do not indent
      "    orphan = x", // nothing to be a child of
      'metadata\n    name = "open', // missing quote
      'metadata\n    name = "a" b', // junk after the value
      "metadata\n    name x", // no '='
      "metadata\n    /name = x", // '/' at a name's start
      "metadata\n    = x", // no name
    ]
    for (const text of bad) assert.throws(() => parseCertificate(text), SyntaxError, text)
  })

  it("rejects keys that are not 40 characters of Z85", () => {
    for (const key of [PUBLIC_KEY.slice(1), `${PUBLIC_KEY.slice(1)}"`, `${PUBLIC_KEY.slice(1)} `]) {
      const text = `curve\n    public-key = '${key}'\n`
      assert.throws(() => parseCertificate(text), SyntaxError, key)
      assert.throws(() => formatPublicCertificate({ publicKey: key }), RangeError, key)
    }
  })

  it("quotes metadata so that czmq can read it back, or refuses", () => {
    const text = formatPublicCertificate({ publicKey: PUBLIC_KEY, metadata: { q: 'say "hi"' } })
    assert.ok(text.includes(`    q = 'say "hi"'\n`))
    assert.equal(parseCertificate(text).metadata.q, 'say "hi"')
    const refused: Record<string, string>[] = [
      { q: `both ' and "` },
      { q: "two\nlines" },
      { "bad name": "x" },
      { "": "x" },
    ]
    for (const metadata of refused) {
      assert.throws(() => formatPublicCertificate({ publicKey: PUBLIC_KEY, metadata }), RangeError)
    }
  })
})
