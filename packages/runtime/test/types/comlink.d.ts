// comlink 4 ships ESM builds without an exports map or .d.mts files; these map its ESM entry
// points to its published typings.
declare module "comlink/dist/esm/comlink.mjs" {
  export * from "comlink"
}
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink"
  export default function nodeEndpoint(nep: unknown): Endpoint
}
