export {
  type PoolWorkers,
  WorkerPool,
  type WorkerPoolEvent,
  type WorkerPoolOptions,
  workerPoolEvents,
} from "./worker-pool-host.js"
