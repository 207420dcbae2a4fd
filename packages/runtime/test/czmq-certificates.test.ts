// Certificate files against czmq itself (Debian's libczmq-dev): czmq's zcert_save is read by
// omq, omq's writeCertificate is loaded by zcert_load, and the bytes match but for the
// "Generated ... by" comment. Compiles a small C program with the system's cc.
import { strict as assert } from "node:assert"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after, before, describe, it } from "node:test"
import { formatPublicCertificate, formatSecretCertificate } from "@omq/transport/zmtp"
import { curveKeyPair, readCertificate, writeCertificate } from "omq"

// save PATH [NAME VALUE]...: a new certificate with that metadata, saved with zcert_save.
// load PATH: zcert_load, then the keys and metadata, one per line.
const PROGRAM = `
#include <czmq.h>
int main (int argc, char **argv) {
    if (argc >= 3 && streq (argv [1], "save")) {
        zcert_t *cert = zcert_new ();
        for (int i = 3; i + 1 < argc; i += 2)
            zcert_set_meta (cert, argv [i], "%s", argv [i + 1]);
        int rc = zcert_save (cert, argv [2]);
        zcert_destroy (&cert);
        return rc == 0 ? 0 : 2;
    }
    if (argc == 3 && streq (argv [1], "load")) {
        zcert_t *cert = zcert_load (argv [2]);
        if (!cert)
            return 3;
        printf ("public-key %s\\nsecret-key %s\\n", zcert_public_txt (cert), zcert_secret_txt (cert));
        zlist_t *names = zcert_meta_keys (cert);
        for (char *name = (char *) zlist_first (names); name; name = (char *) zlist_next (names))
            printf ("meta %s=%s\\n", name, zcert_meta (cert, name));
        zlist_destroy (&names);
        zcert_destroy (&cert);
        return 0;
    }
    return 1;
}
`

const dir = mkdtempSync(join(tmpdir(), "omq-czmq-test-"))
const binary = join(dir, "zcert-tool")
after(() => rmSync(dir, { recursive: true, force: true }))

function czmq(...args: string[]): string {
  return execFileSync(binary, args, { encoding: "utf8" })
}

/** czmq's `load` output as { keys, metadata }. */
function czmqLoad(path: string): { lines: string[]; metadata: Record<string, string> } {
  const lines = czmq("load", path).trimEnd().split("\n")
  const metadata: Record<string, string> = {}
  for (const line of lines.filter((l) => l.startsWith("meta "))) {
    const [name, ...value] = line.slice(5).split("=")
    metadata[name!] = value.join("=")
  }
  return { lines: lines.filter((l) => !l.startsWith("meta ")), metadata }
}

/** The local time czmq stamped in a file's first comment line. */
function stamp(text: string): Date {
  const m = /^# {3}\*{4} {2}Generated on (\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+) by CZMQ /.exec(text)
  assert.ok(m, `no czmq stamp in:\n${text}`)
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number)
  return new Date(y!, mo! - 1, d!, h!, mi!, s!)
}

describe("certificates against czmq", () => {
  before(() => {
    const source = join(dir, "zcert-tool.c")
    writeFileSync(source, PROGRAM)
    // Fails (it does not skip) without libczmq-dev: CI installs it.
    const flags = execFileSync("pkg-config", ["--cflags", "--libs", "libczmq"], {
      encoding: "utf8",
    })
    execFileSync("cc", [source, "-o", binary, ...flags.trim().split(/\s+/)], { stdio: "inherit" })
  })

  it("reads what czmq's zcert_save wrote, and writes the same bytes", async () => {
    const path = join(dir, "by-czmq.cert")
    czmq("save", path, "name", "czmq side", "email", "ops@example.org")
    const cert = await readCertificate(path)
    const fromCzmq = czmqLoad(path)
    assert.deepEqual(fromCzmq.lines, [
      `public-key ${cert.publicKey}`,
      `secret-key ${cert.secretKey}`,
    ])
    assert.deepEqual(cert.metadata, fromCzmq.metadata)
    assert.equal(statSync(`${path}_secret`).mode & 0o777, 0o600)

    // Same keys and metadata (in czmq's order): the same bytes after the comment lines.
    const publicText = readFileSync(path, "utf8")
    const secretText = readFileSync(`${path}_secret`, "utf8")
    const body = (text: string) => text.replace(/^(#.*\n)+/, "")
    assert.equal(body(formatPublicCertificate(cert, stamp(publicText))), body(publicText))
    const withSecret = { ...cert, secretKey: cert.secretKey! }
    assert.equal(body(formatSecretCertificate(withSecret, stamp(secretText))), body(secretText))
  })

  it("reads czmq's public file alone", async () => {
    const path = join(dir, "public-only.cert")
    czmq("save", path)
    const { publicKey } = await readCertificate(path)
    rmSync(`${path}_secret`)
    assert.deepEqual(await readCertificate(path), { publicKey, metadata: {} })
  })

  it("writes what czmq's zcert_load reads", async () => {
    const path = join(dir, "by-omq.cert")
    const pair = curveKeyPair()
    const metadata = { name: "omq side", quoted: 'say "hi"', empty: "" }
    await writeCertificate(path, { ...pair, metadata })
    const loaded = czmqLoad(path)
    assert.deepEqual(loaded.lines, [`public-key ${pair.publicKey}`, `secret-key ${pair.secretKey}`])
    assert.deepEqual(loaded.metadata, metadata)

    // Without the secret twin, czmq reads the public file: a zero secret key (40 '0's).
    rmSync(`${path}_secret`)
    assert.deepEqual(czmqLoad(path).lines, [
      `public-key ${pair.publicKey}`,
      `secret-key ${"0".repeat(40)}`,
    ])
  })
})
