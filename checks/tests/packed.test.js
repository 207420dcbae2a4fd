// The packages as npm users get them. Each is packed with pnpm (the version in the root
// package.json's packageManager, pinned in checks/), and the four tarballs are installed by npm
// into an empty folder outside the workspace, their dependencies from the registry. There
// checks/packed/app.js runs, and the TypeScript consumers in checks/consumers type-check against
// the installed .d.ts files with `moduleResolution` node16 and bundler (docs/runtimes.md).
import assert from "node:assert/strict"
import { execFile } from "node:child_process"
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, relative, sep } from "node:path"
import { after, before, describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)
const root = fileURLToPath(new URL("../../", import.meta.url))
const checks = join(root, "checks")
const pnpm = join(checks, "node_modules", "pnpm", "bin", "pnpm.cjs")
const tsc = join(checks, "node_modules", "typescript", "bin", "tsc")
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"))

/** Package name → its folder in the workspace. */
const packages = {
  "@omq/transport": "packages/transport",
  omq: "packages/runtime",
  "@omq/patterns": "packages/patterns",
  "@omq/cli": "packages/cli",
}
const INSTALL_HOOKS = ["preinstall", "install", "postinstall"]

const dir = mkdtempSync(join(tmpdir(), "omq-packed-"))
const tarballs = join(dir, "tarballs")
const app = join(dir, "app") // the empty folder the tarballs are installed into
after(() => rmSync(dir, { recursive: true, force: true }))

/** Files under `path` (relative, with /), symlinks listed and not followed. */
function walk(path, base = path, out = []) {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    if (entry.isDirectory()) walk(full, base, out)
    else out.push(relative(base, full).split(sep).join("/"))
  }
  return out
}

const manifests = {} // name → the package.json inside its tarball, as installed
const timings = {}

before(async () => {
  let started = performance.now()
  mkdirSync(tarballs)
  await Promise.all(
    Object.values(packages).map((folder) =>
      run(process.execPath, [pnpm, "pack", "--pack-destination", tarballs], {
        cwd: join(root, folder),
      }),
    ),
  )
  timings.pack = performance.now() - started

  started = performance.now()
  mkdirSync(app)
  writeFileSync(join(app, "package.json"), '{ "private": true, "type": "module" }\n')
  // @types/node for the TypeScript consumers, at the version the workspace builds with.
  const typesNode = readJson(join(checks, "node_modules", "@types", "node", "package.json"))
  await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts", // a script anywhere in the tree is reported below, not run
      ...readdirSync(tarballs).map((name) => join(tarballs, name)),
      `@types/node@${typesNode.version}`,
    ],
    { cwd: app },
  )
  timings.install = performance.now() - started
  for (const name of Object.keys(packages)) {
    manifests[name] = readJson(join(app, "node_modules", name, "package.json"))
  }
  cpSync(join(checks, "packed", "app.js"), join(app, "app.js"))
  cpSync(join(checks, "consumers"), join(app, "consumers"), { recursive: true })
})

after(() => {
  const ms = Object.entries(timings).map(([step, t]) => `${step} ${(t / 1000).toFixed(1)} s`)
  console.log(`packed packages: ${ms.join(", ")}`)
})

describe("packed packages", () => {
  it("pnpm is the version of the root package.json's packageManager", () => {
    const { packageManager } = readJson(join(root, "package.json"))
    const { version } = readJson(join(checks, "node_modules", "pnpm", "package.json"))
    assert.equal(`pnpm@${version}`, packageManager)
  })

  it("pnpm pack writes real version ranges for workspace: dependencies", () => {
    for (const [name, manifest] of Object.entries(manifests)) {
      for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          assert.doesNotMatch(range, /^(workspace|file|link):/, `${name} ${field} ${dep}`)
        }
      }
    }
    const version = (name) => readJson(join(root, packages[name], "package.json")).version
    assert.equal(manifests.omq.dependencies["@omq/transport"], `^${version("@omq/transport")}`)
    assert.equal(manifests["@omq/patterns"].dependencies.omq, `^${version("omq")}`)
    assert.equal(manifests["@omq/cli"].dependencies.omq, `^${version("omq")}`)
  })

  it("each package holds its built .js and .d.ts files, and no tests or source maps", () => {
    for (const [name, folder] of Object.entries(packages)) {
      const installed = walk(join(app, "node_modules", name)).sort()
      const dists = existsSync(join(root, folder, "dist", "bundle")) ? ["src", "bundle"] : ["src"]
      const built = dists.flatMap((dist) =>
        walk(join(root, folder, "dist", dist))
          .filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))
          .map((f) => `dist/${dist}/${f}`),
      )
      assert.deepEqual(installed, ["README.md", ...built, "package.json"].sort(), name)
    }
    // The IO worker entries, which omq starts by file name: the bundle's and dist/src's.
    const omq = walk(join(app, "node_modules", "omq"))
    assert.ok(omq.includes("dist/bundle/io-worker.js"))
    assert.ok(omq.includes("dist/src/io/io-worker.js"))
  })

  it("no package in the installed tree has an install script", () => {
    for (const [name, manifest] of Object.entries(manifests)) {
      for (const hook of INSTALL_HOOKS) assert.equal(manifest.scripts?.[hook], undefined, name)
      // npm runs `node-gyp rebuild` for a package with a binding.gyp and no install script.
      assert.equal(manifest.gypfile, undefined, name)
      assert.ok(!walk(join(app, "node_modules", name)).includes("binding.gyp"), name)
    }
    // npm's record of the tree marks every package that has one (ours and their dependencies).
    const tree = readJson(join(app, "node_modules", ".package-lock.json")).packages
    assert.ok(Object.keys(tree).includes("node_modules/ws"))
    const withScripts = Object.keys(tree).filter((path) => tree[path].hasInstallScript)
    assert.deepEqual(withScripts, [])
  })

  it("the installed tree has no links into the workspace", () => {
    const links = walk(join(app, "node_modules")).filter((f) =>
      lstatSync(join(app, "node_modules", f)).isSymbolicLink(),
    )
    for (const link of links) {
      const target = realpathSync(join(app, "node_modules", link))
      assert.ok(!target.startsWith(root), `${link} → ${target}`)
    }
    const require = createRequire(join(app, "app.js"))
    for (const specifier of ["omq", "omq/draft", "@omq/patterns", "@omq/transport"]) {
      const file = realpathSync(require.resolve(specifier))
      assert.ok(file.startsWith(join(realpathSync(app), "node_modules")), `${specifier}: ${file}`)
    }
  })

  it("a program using omq, omq/draft and @omq/patterns runs there and exits on its own", async () => {
    const started = performance.now()
    // Killed (and failed) if its sockets or IO thread kept it alive.
    const { stdout } = await run(process.execPath, ["app.js"], { cwd: app, timeout: 30_000 })
    timings.app = performance.now() - started
    assert.equal(stdout, "over tcp with CURVE\nover inproc (draft)\nmajordomo\n")
  })

  it("the omq executable of @omq/cli runs from node_modules/.bin", async () => {
    const omq = join(app, "node_modules", ".bin", "omq")
    const { stdout } = await run(omq, ["keygen", "--json"], { cwd: app, timeout: 30_000 })
    const keys = JSON.parse(stdout)
    assert.match(keys.publicKey, /^.{40}$/)
    const help = await run(omq, ["--help"], { cwd: app, timeout: 30_000 })
    for (const command of ["cat", "monitor", "proxy", "keygen", "bench"]) {
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, "m"), command)
    }
  })

  // The consumer projects (checks/consumers/<name>/tsconfig.json) and their sources. All are
  // checked at once when the first test starts: each tsc takes seconds (it reads @types/node).
  const consumers = {
    node16: {
      about: "moduleResolution node16",
      sources: ["use.ts", "misuse.ts", "still-type-checks.ts"],
    },
    bundler: {
      about: "moduleResolution bundler",
      sources: ["use.ts", "misuse.ts", "still-type-checks.ts"],
    },
    commonjs: { about: "CommonJS (module nodenext)", sources: ["commonjs/index.cts"] },
  }
  let typeChecks = null
  for (const [name, { about, sources }] of Object.entries(consumers)) {
    it(`a TypeScript consumer, ${about}, type-checks against the packed .d.ts`, async () => {
      typeChecks ??= Object.fromEntries(Object.keys(consumers).map((n) => [n, typeCheck(n)]))
      const { stdout, code } = await typeChecks[name]
      assert.equal(code, 0, stdout)
      const files = stdout.split("\n").map((f) => f.trim())
      for (const source of sources) {
        assert.ok(files.includes(join(realpathSync(app), "consumers", source)), source)
      }
      // The packages' types came from the installed tarballs (ws's from @types/ws, which
      // @omq/transport depends on: its .d.ts import "ws").
      const installed = join(realpathSync(app), "node_modules")
      for (const types of [
        "omq/dist/src/mod.d.ts",
        "omq/dist/src/draft.d.ts",
        "@omq/patterns/dist/src/mod.d.ts",
        "@omq/transport/dist/src/ws/ws-carrier.d.ts",
      ]) {
        assert.ok(files.includes(join(installed, types)), types)
      }
      assert.ok(files.some((f) => f.startsWith(join(installed, "@types", "ws", "index.d."))))
    })
  }

  /** tsc on one consumer project: its exit code, and its errors followed by the files it read. */
  async function typeCheck(name) {
    const started = performance.now()
    const project = join(app, "consumers", name)
    const result = await run(process.execPath, [tsc, "-p", project, "--listFiles"], {
      cwd: app,
    }).then(
      ({ stdout }) => ({ stdout, code: 0 }),
      (err) => ({ stdout: `${err.stdout}${err.stderr}`, code: err.code }),
    )
    timings[`tsc ${name}`] = performance.now() - started
    return result
  }
})
