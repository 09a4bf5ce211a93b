// A processor wired entirely to in-memory fakes of the domain's ports, for lifecycle tests that
// run in milliseconds: one provider ("acme") taking a video and an optional reference.
import type { PartName } from '../../src/core/check';
import { silentLog } from '../../src/core/log';
import { mediaKey, type AuditEntry, type EnabledProviderPolicy, type NewCheck } from '../../src/core/ports';
import type { ProcessUploadDeps, ProcessingPolicy } from '../../src/core/use-cases/process-upload';
import {
  FakeLivenessJudge,
  FakeMediaInspector,
  InMemoryAuditLog,
  InMemoryCheckRepository,
  InMemoryMediaStore,
  InMemoryProviderCatalog,
  ManualClock,
  RecordingOutcomePublisher,
  RecordingResumeQueue,
} from './in-memory';

export const START = new Date('2026-11-29T10:00:00Z');
export const START_SECONDS = START.getTime() / 1000;
export const UPLOAD_EXPIRY_SECONDS = 900;
export const UPLOAD_GRACE_SECONDS = 300;

export const ACME: EnabledProviderPolicy = {
  id: 'acme',
  partSets: [['video'], ['video', 'reference']],
  defaultParts: ['video'],
  uploadRules: {
    video: { maxBytes: 1000, contentTypePrefix: 'video/', contentTypes: ['video/mp4'] },
    reference: { maxBytes: 1000, contentTypePrefix: 'image/', contentTypes: ['image/jpeg'] },
  },
};

export function processingWorld(
  options: { policy?: Partial<ProcessingPolicy>; provider?: EnabledProviderPolicy; providers?: EnabledProviderPolicy[] } = {},
) {
  const clock = new ManualClock(START);
  const checks = new InMemoryCheckRepository();
  const audit = new InMemoryAuditLog();
  const media = new InMemoryMediaStore();
  const inspector = new FakeMediaInspector();
  const judge = new FakeLivenessJudge();
  const resumeQueue = new RecordingResumeQueue();
  const outcomes = new RecordingOutcomePublisher();
  const providers = new InMemoryProviderCatalog(options.providers ?? [options.provider ?? ACME], 'acme');
  const policy: ProcessingPolicy = {
    processingLeaseSeconds: 60,
    maxProcessingAttempts: 3,
    mediaRetentionSeconds: 0,
    reviewWindowSeconds: 7 * 86_400,
    ...options.policy,
  };
  const deps: ProcessUploadDeps = { checks, audit, media, inspector, judge, providers, outcomes, clock, log: silentLog, policy };
  const sweepDeps = {
    checks,
    outcomes,
    audit,
    media,
    clock,
    log: silentLog,
    resumeQueue,
    policy: { uploadGraceSeconds: UPLOAD_GRACE_SECONDS },
  };
  return { clock, checks, audit, media, inspector, judge, resumeQueue, outcomes, providers, policy, deps, sweepDeps };
}

export type ProcessingWorld = ReturnType<typeof processingWorld>;

let counter = 0;

/** A check awaiting its uploads, as createCheck leaves it. */
export async function awaitingCheck(
  world: ProcessingWorld,
  parts: readonly PartName[] = ['video', 'reference'],
): Promise<string> {
  counter += 1;
  const checkId = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  const uploadExpiresAt = START_SECONDS + UPLOAD_EXPIRY_SECONDS;
  const check: NewCheck = {
    checkId,
    provider: 'acme',
    parts,
    pollTokenHash: 'sha256:test',
    createdAt: START.toISOString(),
    uploadExpiresAt,
    expiresAt: START_SECONDS + 30 * 86_400,
    sweepAt: uploadExpiresAt + UPLOAD_GRACE_SECONDS,
  };
  await world.checks.create(check);
  return checkId;
}

/** Distinct bytes per part, so a digest shows which bytes were judged. */
export function bytesOf(part: PartName): Uint8Array {
  return new TextEncoder().encode(`${part} bytes of the capture`);
}

/** The part lands in storage (the upload itself; the event is a separate step). */
export function store(world: ProcessingWorld, checkId: string, part: PartName): void {
  world.media.put(mediaKey(checkId, part), bytesOf(part), part === 'video' ? 'video/mp4' : 'image/jpeg');
}

export function auditTypes(world: ProcessingWorld, checkId: string): string[] {
  return world.audit.entries.filter((entry) => entry.checkId === checkId).map((entry) => entry.type);
}

/** The provider's PASS with a face comparison, as a check that sent a reference needs. */
export const PASS_MATCHED = {
  kind: 'called' as const,
  answer: {
    kind: 'answer' as const,
    result: {
      decision: 'PASS' as const,
      reasons: [],
      liveness: { live: true, score: 0.9 },
      faceMatch: { matched: true, score: 0.9 },
    },
    providerMs: 42,
  },
  attempts: 1,
};

/** The function dies the first time it appends an entry of `type` (the append throws, nothing is written). */
export function dieOnFirstAppend(world: ProcessingWorld, type: AuditEntry['type']): void {
  const append = world.audit.append.bind(world.audit);
  let died = false;
  world.audit.append = async (entry) => {
    if (entry.type === type && !died) {
      died = true;
      throw new Error('function timed out');
    }
    return append(entry);
  };
}
