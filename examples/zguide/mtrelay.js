// The zguide's multithreaded relay (chapter 2): three threads signal each other in turn over
// inproc PAIR sockets. Step 1 tells step 2 it is ready; step 2 then tells step 3 (the main
// thread). Each step binds before it starts the thread that connects to it, as the zguide
// does. Step 2 is a worker thread of the main thread, step 1 a worker thread of step 2 (this
// same file, re-run): all of them share the process's default context.
//
//   node examples/zguide/mtrelay.js
import { isMainThread, Worker, workerData } from "node:worker_threads"
import { Pair } from "omq"

if (isMainThread) {
  // Step 3: bind inproc://step3 before starting step 2.
  const receiver = new Pair()
  await receiver.bind("inproc://step3")
  const step2 = new Worker(new URL(import.meta.url), { workerData: "step2" })
  const exited = new Promise((resolve) => step2.once("exit", resolve))
  const [signal] = await receiver.receive()
  receiver.close()
  const code = await exited
  console.log(String(signal) === "READY" && code === 0 ? "Test successful!" : "Test failed")
  process.exitCode = String(signal) === "READY" && code === 0 ? 0 : 1
} else if (workerData === "step2") {
  // Step 2: bind inproc://step2 before starting step 1, wait for its signal, pass it on.
  const receiver = new Pair()
  await receiver.bind("inproc://step2")
  const step1 = new Worker(new URL(import.meta.url), { workerData: "step1" })
  await receiver.receive()
  receiver.close()
  await new Promise((resolve) => step1.once("exit", resolve))
  const xmitter = new Pair()
  xmitter.connect("inproc://step3")
  console.log("Step 2 ready, signaling step 3")
  await xmitter.send("READY")
  xmitter.close()
} else {
  // Step 1: signal downstream to step 2.
  const xmitter = new Pair()
  xmitter.connect("inproc://step2")
  console.log("Step 1 ready, signaling step 2")
  await xmitter.send("READY")
  xmitter.close()
}
