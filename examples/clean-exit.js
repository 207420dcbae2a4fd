// A clean exit with worker threads, the zguide's way: the main thread shuts the context down,
// every blocked call on every thread fails with ETERM, and each thread catches ETERM, sets a
// low linger and closes its sockets; context.terminate() resolves once all of them have.
// Three workers pull tasks over inproc:// and push results back; after ten results the main
// thread calls context.shutdown(), wherever each worker happens to be waiting.
// Run: node examples/clean-exit.js (after a build).
import { isMainThread, threadId, Worker, workerData } from "node:worker_threads"
import { Context, Pull, Push } from "omq"

if (isMainThread) {
  const context = new Context({ ioThreads: 0 })
  const tasks = new Push({ context })
  await tasks.bind("inproc://tasks")
  const results = new Pull({ context })
  await results.bind("inproc://results")
  const workers = [1, 2, 3].map(
    () => new Worker(new URL(import.meta.url), { workerData: context.handle }),
  )
  const exited = workers.map((w) => new Promise((resolve) => w.once("exit", resolve)))
  // Each worker says "ready" first: a socket made after the shutdown would fail with ETERM.
  for (let i = 0; i < workers.length; i++) await results.receive()

  // Keep the workers busy: tasks go out until the shutdown makes send() fail with ETERM.
  const feeding = (async () => {
    try {
      for (let n = 0; ; n++) await tasks.send(String(n))
    } catch (err) {
      if (err.code !== "ETERM") throw err
    }
  })()
  for (let i = 0; i < 10; i++) await results.receive()
  console.log("10 results in; shutting the context down")
  context.shutdown()
  await feeding
  for (const socket of [tasks, results]) {
    socket.linger = 0
    socket.close()
  }
  const codes = await Promise.all(exited)
  await context.terminate()
  console.log(`3 workers exited with codes ${codes.join(", ")}; context terminated`)
} else {
  const context = Context.fromHandle(workerData)
  const tasks = new Pull({ context })
  tasks.connect("inproc://tasks")
  const results = new Push({ context })
  results.connect("inproc://results")
  await results.send("ready")
  try {
    for (;;) {
      const [task] = await tasks.receive()
      await results.send(`${task} done by thread ${threadId}`)
    }
  } catch (err) {
    if (err.code !== "ETERM") throw err // ETERM: the context is going away
  }
  tasks.linger = 0
  results.linger = 0
  tasks.close()
  results.close()
}
