export { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.ts';
export { SimulatorControls, SimulatorControlError } from './controls.ts';
export {
  defaultSeed,
  defaultAuthId,
  defaultAuthToken,
  defaultSubAccountIds,
  defaultTrunkIds,
  type DefaultSeedOptions,
  type SeedNumber,
  type SeedOwnedNumber,
  type SimulatorSeed,
  type SimulatorSeedPatch,
} from './seed.ts';
export { SimulatorState, coolOffMs, pendingReleaseMs, quarantineMs, type Caller } from './state.ts';
export type { FaultAction, FaultConfig, FaultRule, RetryAfterFormat } from './faults.ts';
export type { RequestLogEntry, RequestLogFilter } from './request-log.ts';
export type { Holding, SimNumber, SimulatorSnapshot, AccountRole } from './model.ts';
