// The zguide's Freelance models 1 (retry and failover) and 2 (shotgun); model 3 is
// freelance-client.ts / freelance-server.ts.
export {
  FreelanceFailoverClient,
  type FreelanceFailoverClientOptions,
  type FreelanceFailoverRequestOptions,
} from "./freelance-failover-client.js"
export type { FreelanceModelEvent } from "./freelance-model-events.js"
export {
  FreelanceShotgunClient,
  type FreelanceShotgunClientOptions,
  type FreelanceShotgunRequestOptions,
} from "./freelance-shotgun-client.js"
