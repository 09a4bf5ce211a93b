import { describe, expect, it } from 'vitest';
import {
  buildOutcomeEvent,
  eventBridgeEntry,
  OUTCOME_EVENT_TYPES,
  outcomeEventId,
  outcomeEventSchema,
} from '../../../src/events/envelope';

const CHECK_ID = '6f1c2a0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f';
const OCCURRED_AT = '2026-11-29T10:00:00.000Z';

// A full check record as the repository holds it: the builder must take only what it may send.
const completedRecord = {
  checkId: CHECK_ID,
  status: 'COMPLETED',
  provider: 'fpt',
  parts: ['video', 'reference'],
  externalRef: 'applicant-42',
  pollTokenHash: 'c0ffee-poll-token-hash',
  createdAt: '2026-11-29T09:59:00.000Z',
  completedAt: OCCURRED_AT,
  result: {
    decision: 'FAIL',
    reasons: [{ code: 'FACE_MISMATCH', message: 'The face does not match the ID photo' }],
    liveness: { live: true, score: 0.97 },
    faceMatch: { matched: false, score: 0.12 },
    providerRequestId: 'fpt-req-1',
  },
  media: [{ part: 'video', bytes: 436_500, sha256: 'ab'.repeat(32) }],
  received: { video: { bytes: 436_500, receivedAt: OCCURRED_AT } },
};

describe('buildOutcomeEvent', () => {
  it('carries the check, its decision and reason codes, and nothing else of the record', () => {
    const event = buildOutcomeEvent({ type: 'check.completed', check: completedRecord, occurredAt: OCCURRED_AT });

    expect(event).toStrictEqual({
      id: outcomeEventId(CHECK_ID, 'check.completed'),
      type: 'check.completed',
      occurredAt: OCCURRED_AT,
      data: {
        checkId: CHECK_ID,
        externalRef: 'applicant-42',
        provider: 'fpt',
        status: 'COMPLETED',
        decision: 'FAIL',
        reasons: [{ code: 'FACE_MISMATCH' }],
      },
    });
    const text = JSON.stringify(event);
    for (const secretive of ['score', '0.97', 'pollToken', 'c0ffee', 'sha256', 'media', 'message', 'fpt-req-1']) {
      expect(text).not.toContain(secretive);
    }
  });

  it('gives a FAILED check its failure reason and no decision', () => {
    const failed = {
      checkId: CHECK_ID,
      provider: 'senseid',
      failure: { code: 'PROVIDER_UNAVAILABLE', message: 'SenseID did not answer' },
    };
    const event = buildOutcomeEvent({ type: 'check.failed', check: failed, occurredAt: OCCURRED_AT });
    expect(event.data).toStrictEqual({
      checkId: CHECK_ID,
      provider: 'senseid',
      status: 'FAILED',
      reasons: [{ code: 'PROVIDER_UNAVAILABLE' }],
    });
  });

  it('reports a reviewed check as COMPLETED with the reviewer’s decision', () => {
    const reviewed = { ...completedRecord, result: { decision: 'PASS', reasons: [] } };
    const event = buildOutcomeEvent({ type: 'check.reviewed', check: reviewed, occurredAt: OCCURRED_AT });
    expect(event.data).toMatchObject({ status: 'COMPLETED', decision: 'PASS', reasons: [] });
  });

  it('reports an erasure as status ERASED without decision or reasons, whatever the check had', () => {
    const event = buildOutcomeEvent({ type: 'check.erased', check: completedRecord, occurredAt: OCCURRED_AT });
    expect(event.data).toStrictEqual({
      checkId: CHECK_ID,
      externalRef: 'applicant-42',
      provider: 'fpt',
      status: 'ERASED',
      reasons: [],
    });
  });

  it('leaves externalRef out when the check has none', () => {
    const { externalRef: _externalRef, ...anonymous } = completedRecord;
    const event = buildOutcomeEvent({
      type: 'check.expired',
      check: { ...anonymous, result: undefined },
      occurredAt: OCCURRED_AT,
    });
    expect(event.data).not.toHaveProperty('externalRef');
    expect(event.data.status).toBe('EXPIRED');
  });

  it('refuses a completed event for a check without a result, a missing provider id and an unknown reason code', () => {
    const { result: _result, ...undecided } = completedRecord;
    expect(() => buildOutcomeEvent({ type: 'check.completed', check: undecided, occurredAt: OCCURRED_AT })).toThrow(/decision/);
    expect(() =>
      buildOutcomeEvent({ type: 'check.expired', check: { checkId: CHECK_ID, provider: '' }, occurredAt: OCCURRED_AT }),
    ).toThrow();
    expect(() =>
      buildOutcomeEvent({
        type: 'check.failed',
        check: { checkId: CHECK_ID, provider: 'fpt', failure: { code: 'NOT_A_CODE' } },
        occurredAt: OCCURRED_AT,
      }),
    ).toThrow();
  });
});

describe('outcomeEventId', () => {
  it('is the same for a redelivered transition, so receivers can dedupe on it', () => {
    const first = buildOutcomeEvent({ type: 'check.completed', check: completedRecord, occurredAt: OCCURRED_AT });
    const again = buildOutcomeEvent({ type: 'check.completed', check: completedRecord, occurredAt: OCCURRED_AT });
    expect(again.id).toBe(first.id);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });

  it('differs between event types, checks and occurrences, and has no "." (Standard Webhooks ids must not)', () => {
    const ids = new Set([
      ...OUTCOME_EVENT_TYPES.map((type) => outcomeEventId(CHECK_ID, type)),
      outcomeEventId('0d6e1b9f-2c3a-4b5d-8e7f-9a0b1c2d3e4f', 'check.completed'),
      outcomeEventId(CHECK_ID, 'check.completed', 2),
    ]);
    expect(ids.size).toBe(OUTCOME_EVENT_TYPES.length + 2);
    for (const id of ids) expect(id).toMatch(/^evt_[0-9a-f]{32}$/);
  });
});

describe('outcomeEventSchema', () => {
  it('rejects a status that does not belong to the event type', () => {
    const event = buildOutcomeEvent({ type: 'check.completed', check: completedRecord, occurredAt: OCCURRED_AT });
    const wrong = { ...event, data: { ...event.data, status: 'FAILED' } };
    expect(outcomeEventSchema.safeParse(wrong).success).toBe(false);
  });

  it('accepts fields a later version may add', () => {
    const event = buildOutcomeEvent({ type: 'check.completed', check: completedRecord, occurredAt: OCCURRED_AT });
    expect(outcomeEventSchema.safeParse({ ...event, apiVersion: 'v2' }).success).toBe(true);
  });
});

describe('eventBridgeEntry', () => {
  it('puts the envelope on the bus as liveness-gateway with the event type as detail-type', () => {
    const event = buildOutcomeEvent({ type: 'check.erased', check: completedRecord, occurredAt: OCCURRED_AT });
    const entry = eventBridgeEntry(event);
    expect(entry.Source).toBe('liveness-gateway');
    expect(entry.DetailType).toBe('check.erased');
    expect(JSON.parse(entry.Detail)).toStrictEqual(event);
  });
});
