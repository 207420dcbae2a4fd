// Takes screenshot.png: starts the dashboard, opens it in headless Chromium (Debian's, via
// puppeteer-core), waits for twenty samples and two commands' replies, and shoots.
//
//   node examples/dashboard/screenshot.js
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { startDashboard } from "./server.js"

// puppeteer-core is a dev dependency of omq (packages/runtime).
const require = createRequire(new URL("../../packages/runtime/package.json", import.meta.url))
const { default: puppeteer } = await import(require.resolve("puppeteer-core"))

const dashboard = await startDashboard({ port: 0 })
const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"], // run as root, where Chromium's sandbox cannot start
  defaultViewport: { width: 1100, height: 490 },
})
try {
  const page = await browser.newPage()
  await page.goto(dashboard.url)
  await page.waitForFunction(() => Number(document.body.dataset.points) >= 8)
  await page.click('button[data-command="allocate"]')
  await page.waitForFunction(() => document.body.dataset.replies === "1")
  await page.click('button[data-command="burn"]')
  await page.waitForFunction(() => document.body.dataset.replies === "2")
  await page.waitForFunction(() => Number(document.body.dataset.points) >= 20)
  const path = fileURLToPath(new URL("screenshot.png", import.meta.url))
  await page.screenshot({ path })
  console.log(`wrote ${path}`)
} finally {
  await browser.close()
  dashboard.close()
}
