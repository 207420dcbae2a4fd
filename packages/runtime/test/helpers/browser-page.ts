// A headless Chromium page with omq/browser loaded, for the browser tests and benchmarks:
// esbuild bundles the built entry (dist/src/browser.js), node:http serves it on 127.0.0.1,
// and puppeteer-core drives Debian's chromium (never a downloaded one).
import { createHash, X509Certificate } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"
import puppeteer, { type Browser, type Page } from "puppeteer-core"

/** The built browser entry, next to this helper's own build (dist/test/helpers → dist/src). */
export const BROWSER_ENTRY = fileURLToPath(new URL("../../src/browser.js", import.meta.url))

export interface BundleOptions {
  /** Source to bundle instead of the entry itself (it may import "omq/browser"). */
  source?: string
  minify?: boolean
}

/**
 * omq/browser as one ES module. libsodium-wrappers stays outside: the pure core imports it
 * lazily to speed CURVE up where it loads, and in a page without it tweetnacl serves.
 */
export async function bundleBrowserEntry(options: BundleOptions = {}): Promise<Uint8Array> {
  const result = await esbuild.build({
    ...(options.source === undefined
      ? { entryPoints: [BROWSER_ENTRY] }
      : {
          stdin: {
            contents: options.source,
            resolveDir: fileURLToPath(new URL(".", import.meta.url)),
          },
        }),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: options.minify ?? false,
    external: ["libsodium-wrappers"],
    write: false,
    logLevel: "silent",
  })
  return result.outputFiles[0]!.contents
}

/** The page's own copy of omq/browser, as the page sees it (`globalThis.omq`). */
export type BrowserOmq = typeof import("../../src/browser.js")

const PAGE = `<!doctype html><meta charset="utf-8"><title>omq/browser</title><link rel="icon" href="data:,">
<script type="module">import * as omq from "/omq.js"; globalThis.omq = omq; globalThis.omqReady = true</script>`

export interface BrowserPageOptions {
  /** The page's HTML (default: one that loads omq/browser as `globalThis.omq`). */
  html?: string
  /** More files to serve, by path. */
  files?: Record<string, Uint8Array | string>
  /**
   * Certificates Chromium accepts though no CA vouches for them (wss tests), by the base64
   * SHA-256 of their public key (spkiHash()).
   */
  trustKeys?: string[]
}

/** The base64 SHA-256 of a PEM certificate's public key, as Chromium's SPKI allow-list wants. */
export function spkiHash(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: "spki", format: "der" })
  return createHash("sha256").update(spki).digest("base64")
}

/** A served page with omq/browser loaded, in a headless Chromium. */
export class BrowserPage {
  readonly browser: Browser
  readonly page: Page
  readonly #server: Server
  /** Errors the page reported (uncaught exceptions, console.error), for failure messages. */
  readonly errors: string[] = []

  private constructor(browser: Browser, page: Page, server: Server) {
    this.browser = browser
    this.page = page
    this.#server = server
    page.on("pageerror", (err) => this.errors.push(String(err)))
    page.on("console", (message) => {
      if (message.type() === "error") this.errors.push(message.text())
    })
  }

  /** Starts the server and the browser, and waits until the page has loaded omq/browser. */
  static async open(options: BrowserPageOptions = {}): Promise<BrowserPage> {
    const files: Record<string, Uint8Array | string> = {
      "/": options.html ?? PAGE,
      "/omq.js": await bundleBrowserEntry(),
      ...options.files,
    }
    const server = createServer((request, response) => {
      const body = files[new URL(request.url ?? "/", "http://x").pathname]
      if (body === undefined) return void response.writeHead(404).end()
      const type =
        typeof body === "string" && body.startsWith("<") ? "text/html" : "text/javascript"
      response.writeHead(200, { "content-type": type }).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    const browser = await puppeteer.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      // Tests run as root, where Chromium's sandbox cannot start.
      args: [
        "--no-sandbox",
        ...(options.trustKeys
          ? [`--ignore-certificate-errors-spki-list=${options.trustKeys.join(",")}`]
          : []),
      ],
    })
    const page = await browser.newPage()
    const opened = new BrowserPage(browser, page, server)
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction("globalThis.omqReady === true")
    return opened
  }

  /** Closes the browser, then the server. */
  async close(): Promise<void> {
    await this.browser.close()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
