import middy from '@middy/core';
import type { ResumeQueue } from '../../src/core/ports';
import { sweep, type SweepReport } from '../../src/core/use-cases/sweep';
import type { GatewayDeps } from '../common/wiring';

/** Runs on a schedule (EventBridge in AWS, a timer locally). */
export function makeSweepHandler(deps: GatewayDeps, resumeQueue: ResumeQueue) {
  return middy<unknown, SweepReport>().handler(() =>
    sweep({ ...deps, resumeQueue, policy: { uploadGraceSeconds: deps.policy.uploadGraceSeconds } }),
  );
}
