// DynamoDbCheckRepository and DynamoDbAuditLog against dynalite, through the real SDK clients.
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/adapters/aws/clients';
import { DynamoDbAuditLog } from '../../src/adapters/aws/dynamodb-audit-log';
import { DynamoDbCheckRepository } from '../../src/adapters/aws/dynamodb-check-repository';
import { CheckAlreadyExistsError, InvalidStoredItemError } from '../../src/adapters/aws/errors';
import { allPartsReceived } from '../../src/core/check';
import type { CheckResult, MediaFacts } from '../../src/core/check';
import { TransitionConflictError } from '../../src/core/errors';
import type { Clock } from '../../src/core/ports';
import { reason } from '../../src/core/reasons';
import type { LocalDynamoDb } from '../../local/dynamodb';
import { sampleNewCheck, startDynamoDbUnderTest, type DynamoDbUnderTest } from '../support/local-dynamodb';

let dynamo: DynamoDbUnderTest;
let db: LocalDynamoDb;
let clients: AwsClients;
let checks: DynamoDbCheckRepository;

beforeAll(async () => {
  dynamo = await startDynamoDbUnderTest();
  ({ db, clients } = dynamo);
  checks = new DynamoDbCheckRepository(clients.dynamo, db.checksTable);
});

afterAll(async () => {
  await dynamo.close();
});

const newCheck = sampleNewCheck;

const LEASE = 1_767_226_000;
const DUE = 1_767_226_100;
const VIDEO_PART = { bytes: 436_464, etag: 'e1', contentType: 'video/mp4', receivedAt: '2026-01-01T00:01:00.000Z' };
const REFERENCE_PART = { bytes: 90_000, contentType: 'image/jpeg', receivedAt: '2026-01-01T00:01:05.000Z' };
const MEDIA: MediaFacts[] = [
  { part: 'video', bytes: 436_464, container: 'mp4', codec: 'avc1', width: 1280, height: 720, durationSeconds: 6.2 },
];
const RESULT: CheckResult = {
  decision: 'PASS',
  reasons: [],
  liveness: { live: true, score: 0.97 },
  faceMatch: { matched: true, score: 0.91 },
  deepfake: { detected: false },
  quality: { blurry: false, brightness: 0.6 },
  providerRequestId: 'req-1',
};

async function processingCheck(): Promise<string> {
  const check = newCheck({ parts: ['video'] });
  await checks.create(check);
  await checks.recordPart(check.checkId, 'video', VIDEO_PART);
  expect(await checks.startProcessing(check.checkId, '2026-01-01T00:02:00.000Z', LEASE)).toMatchObject({
    status: 'PROCESSING',
    attempt: 1,
  });
  return check.checkId;
}

describe('DynamoDbCheckRepository', () => {
  it('leaves a tombstone on erasure with no personal data: id, status ERASED, times and the TTL only', async () => {
    const checkId = await processingCheck();
    await checks.complete(checkId, RESULT, { media: MEDIA, at: '2026-01-01T00:03:00.000Z', mediaDueAt: DUE });

    await checks.erase(checkId, { erasedAt: '2026-01-01T00:04:00.000Z', expiresAt: 1_769_818_000 });

    const raw = await clients.dynamo.send(new GetCommand({ TableName: db.checksTable, Key: { checkId }, ConsistentRead: true }));
    expect(raw.Item).toEqual({
      checkId,
      status: 'ERASED',
      erasedAt: '2026-01-01T00:04:00.000Z',
      updatedAt: '2026-01-01T00:04:00.000Z',
      expiresAt: 1_769_818_000,
    });
    expect(await checks.get(checkId)).toBeUndefined();
  });

  it('creates a check awaiting upload with nothing received', async () => {
    const check = newCheck();

    await checks.create(check);

    expect(await checks.get(check.checkId)).toEqual({
      ...check,
      status: 'AWAITING_UPLOAD',
      updatedAt: check.createdAt,
      received: {},
    });
  });

  it('refuses to create a check id that already exists', async () => {
    const check = newCheck();
    await checks.create(check);

    await expect(checks.create(check)).rejects.toBeInstanceOf(CheckAlreadyExistsError);
  });

  it('returns undefined for an unknown check', async () => {
    expect(await checks.get(randomUUID())).toBeUndefined();
  });

  it('records each declared part and returns the updated check', async () => {
    const check = newCheck();
    await checks.create(check);

    const afterVideo = await checks.recordPart(check.checkId, 'video', VIDEO_PART);
    const afterReference = await checks.recordPart(check.checkId, 'reference', REFERENCE_PART);

    expect(afterVideo?.received).toEqual({ video: VIDEO_PART });
    expect(afterVideo && allPartsReceived(afterVideo)).toBe(false);
    expect(afterReference?.received).toEqual({ video: VIDEO_PART, reference: REFERENCE_PART });
    expect(afterReference?.updatedAt).toBe(REFERENCE_PART.receivedAt);
    expect(afterReference && allPartsReceived(afterReference)).toBe(true);
  });

  it('ignores a part the check did not declare', async () => {
    const check = newCheck({ parts: ['video'] });
    await checks.create(check);

    expect(await checks.recordPart(check.checkId, 'selfie', REFERENCE_PART)).toBeUndefined();
    expect((await checks.get(check.checkId))?.received).toEqual({});
  });

  it('ignores a part for an unknown check without creating a record', async () => {
    const checkId = randomUUID();

    expect(await checks.recordPart(checkId, 'video', VIDEO_PART)).toBeUndefined();
    expect(await checks.get(checkId)).toBeUndefined();
  });

  it('lets exactly one of many concurrent callers start processing', async () => {
    const check = newCheck({ parts: ['video'] });
    await checks.create(check);
    await checks.recordPart(check.checkId, 'video', VIDEO_PART);

    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        checks.startProcessing(check.checkId, `2026-01-01T00:02:${String(index).padStart(2, '0')}.000Z`, LEASE),
      ),
    );

    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const stored = await checks.get(check.checkId);
    expect(stored?.status).toBe('PROCESSING');
    expect(stored?.processingStartedAt).toBe(stored?.updatedAt);
  });

  it('does not start processing an unknown check', async () => {
    expect(await checks.startProcessing(randomUUID(), '2026-01-01T00:02:00.000Z', LEASE)).toBeUndefined();
  });

  it('returns undefined for a part that arrives after processing started', async () => {
    const checkId = await processingCheck();

    expect(await checks.recordPart(checkId, 'video', { ...VIDEO_PART, etag: 'late' })).toBeUndefined();
    expect((await checks.get(checkId))?.received.video?.etag).toBe('e1');
  });

  it('completes a processing check with its result, media facts and provider time', async () => {
    const checkId = await processingCheck();

    await checks.complete(checkId, RESULT, { media: MEDIA, at: '2026-01-01T00:03:00.000Z', providerMs: 1234, mediaDueAt: DUE });

    expect(await checks.get(checkId)).toMatchObject({
      status: 'COMPLETED',
      result: RESULT,
      media: MEDIA,
      completedAt: '2026-01-01T00:03:00.000Z',
      updatedAt: '2026-01-01T00:03:00.000Z',
      providerMs: 1234,
    });
  });

  it('drops undefined optional fields of a result instead of failing the write', async () => {
    const checkId = await processingCheck();
    const result: CheckResult = {
      decision: 'RETRY',
      reasons: [reason('VIDEO_TOO_SHORT')],
      liveness: { live: false, score: undefined },
    };

    await checks.complete(checkId, result, { media: [], at: '2026-01-01T00:03:00.000Z', mediaDueAt: DUE });

    const stored = await checks.get(checkId);
    expect(stored?.result).toEqual({ decision: 'RETRY', reasons: [reason('VIDEO_TOO_SHORT')], liveness: { live: false } });
    expect(stored?.providerMs).toBeUndefined();
  });

  it('throws TransitionConflictError when completing a check twice', async () => {
    const checkId = await processingCheck();
    await checks.complete(checkId, RESULT, { media: MEDIA, at: '2026-01-01T00:03:00.000Z', mediaDueAt: DUE });

    const second = checks.complete(checkId, RESULT, { media: MEDIA, at: '2026-01-01T00:04:00.000Z', mediaDueAt: DUE });

    await expect(second).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(second).rejects.toMatchObject({ checkId, transition: 'PROCESSING→COMPLETED' });
  });

  it('throws TransitionConflictError when completing a check that never started processing', async () => {
    const check = newCheck();
    await checks.create(check);

    await expect(
      checks.complete(check.checkId, RESULT, { media: [], at: '2026-01-01T00:03:00.000Z', mediaDueAt: DUE }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    expect((await checks.get(check.checkId))?.status).toBe('AWAITING_UPLOAD');
  });

  it('fails a processing check with an operational reason, after which it cannot complete', async () => {
    const checkId = await processingCheck();
    const failure = reason('PROVIDER_UNAVAILABLE');

    await checks.fail(checkId, failure, { media: MEDIA, at: '2026-01-01T00:03:00.000Z', providerMs: 60_000, mediaDueAt: DUE });

    expect(await checks.get(checkId)).toMatchObject({ status: 'FAILED', failure, media: MEDIA, providerMs: 60_000 });
    expect((await checks.get(checkId))?.result).toBeUndefined();
    await expect(
      checks.complete(checkId, RESULT, { media: [], at: '2026-01-01T00:04:00.000Z', mediaDueAt: DUE }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
  });

  it('refuses to read a stored item of the wrong shape', async () => {
    const checkId = randomUUID();
    await clients.dynamo.send(
      new PutCommand({ TableName: db.checksTable, Item: { checkId, status: 'SOMETHING_ELSE', received: {} } }),
    );

    await expect(checks.get(checkId)).rejects.toBeInstanceOf(InvalidStoredItemError);
  });
});

describe('DynamoDbAuditLog', () => {
  const fixedClock: Clock = { now: () => new Date('2026-01-01T00:00:00.000Z') };

  it('lists entries of one check in the order they were appended, even within one millisecond', async () => {
    const audit = new DynamoDbAuditLog(clients.dynamo, db.auditTable, fixedClock);
    const checkId = randomUUID();
    const types = ['CHECK_CREATED', 'PART_RECEIVED', 'PROCESSING_STARTED', 'MEDIA_CHECKED', 'RESULT_RECORDED'] as const;

    for (const [index, type] of types.entries()) await audit.append({ checkId, type, detail: { index } });
    const entries = await audit.list(checkId);

    expect(entries.map((entry) => entry.type)).toEqual(types);
    expect(entries.map((entry) => entry.detail)).toEqual(types.map((_, index) => ({ index })));
    expect(entries.every((entry) => entry.at === '2026-01-01T00:00:00.000Z' && entry.checkId === checkId)).toBe(true);
    expect(new Set(entries.map((entry) => entry.seq)).size).toBe(types.length);
    expect(entries[0]?.seq.startsWith('2026-01-01T00:00:00.000Z#')).toBe(true);
  });

  it('keeps every entry when many are appended concurrently', async () => {
    const audit = new DynamoDbAuditLog(clients.dynamo, db.auditTable, fixedClock);
    const checkId = randomUUID();

    await Promise.all(
      Array.from({ length: 20 }, (_, index) => audit.append({ checkId, type: 'PROVIDER_RETRY', detail: { index } })),
    );

    expect(await audit.list(checkId)).toHaveLength(20);
  });

  it('keeps the trails of different checks apart', async () => {
    const audit = new DynamoDbAuditLog(clients.dynamo, db.auditTable);
    const first = randomUUID();
    const second = randomUUID();

    await audit.append({ checkId: first, type: 'CHECK_CREATED', detail: { provider: 'fpt' } });
    await audit.append({
      checkId: second,
      type: 'CHECK_FAILED',
      detail: { code: 'PROVIDER_UNAVAILABLE', nested: { attempts: 3 } },
    });

    expect(await audit.list(first)).toMatchObject([{ checkId: first, type: 'CHECK_CREATED', detail: { provider: 'fpt' } }]);
    expect(await audit.list(second)).toMatchObject([
      { type: 'CHECK_FAILED', detail: { code: 'PROVIDER_UNAVAILABLE', nested: { attempts: 3 } } },
    ]);
  });

  it('lists nothing for a check without entries', async () => {
    const audit = new DynamoDbAuditLog(clients.dynamo, db.auditTable);

    expect(await audit.list(randomUUID())).toEqual([]);
  });
});
