// CURVE PUSH -> PULL throughput over tcp (issue 9: "omq >= zeromq.js at 1 KiB"), 64 B, 1 KiB
// and 64 KiB over CURVE and 1 KiB over NULL for reference, omq (ioThreads 0 and 1) against
// zeromq.js in the same run. It is push-pull-throughput.js's --curve mode, which it runs:
//
//   node bench/curve-throughput.js [--runs 3] [--sizes 64,1024,65536] [--try-send]
//
// (the same as `node bench/push-pull-throughput.js --curve ...`).
process.argv.push("--curve")
await import("./push-pull-throughput.js")
