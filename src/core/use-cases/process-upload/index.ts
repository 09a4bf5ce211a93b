// The processor, by phase: arrival (record parts, start once, resume after a dead attempt),
// attempt (inspect, then the provider judges), finish (decide, audit, delete media), and the pure
// decision policy. An attempt that dies is resumed after its lease: from the recorded provider
// answer when there is one, so a crash after the answer never causes a second call.
export { processUpload, resumeCheck } from './arrival';
export { applyReviewBand, decide, type Decided } from './decision-policy';
export type { PartArrival, ProcessingPolicy, ProcessOutcome, ProcessUploadDeps } from './deps';
export { CircuitBreaker, type BreakerPolicy } from './circuit-breaker';
export { FAILOVER_REASONS, ProviderBusyError, withFailover, type FailoverDeps, type ProviderRoute } from './failover';
