// Biometric data: deleted by us when due, erasable on request with a tombstone, uploads only
// through the form we signed, consent kept as evidence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { mediaKey } from '../../src/core/ports';
import {
  createCheck,
  fixture,
  poll,
  result,
  upload,
  uploadOk,
  waitForEnd,
  type CreatedCheck,
  type UploadForm,
} from '../support/api-client';

const VIDEO = fixture('face_moving.mp4');
const ID_PHOTO = fixture('id_astronaut_1024.jpg');

function movableClock() {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  return clock;
}

const form = (check: CreatedCheck, part: string): UploadForm => {
  const found = check.uploads[part];
  if (!found) throw new Error(`no form for ${part}`);
  return found;
};

async function decidedCheck(stack: LocalStack, body: Record<string, unknown> = {}): Promise<CreatedCheck> {
  const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'], ...body });
  await uploadOk(form(check, 'video'), VIDEO, 'video/mp4');
  await uploadOk(form(check, 'reference'), ID_PHOTO, 'image/jpeg');
  await waitForEnd(stack.apiUrl, check.checkId);
  await stack.idle();
  return check;
}

async function erase(stack: LocalStack, checkId: string) {
  const response = await fetch(`${stack.apiUrl}/v1/checks/${checkId}`, { method: 'DELETE' });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('with no keep window', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 });
  });
  afterAll(async () => stack?.stop());

  it('deletes the media as soon as the check is decided, and says so in the result and the audit', async () => {
    const check = await decidedCheck(stack);
    expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeUndefined();
    expect(await stack.deps.media.head(mediaKey(check.checkId, 'reference'))).toBeUndefined();
    const body = (await result(stack.apiUrl, check.checkId)).body;
    expect(body).toMatchObject({ status: 'COMPLETED', decision: 'PASS', mediaDeletedAt: expect.any(String) });
    const deleted = (await stack.deps.audit.list(check.checkId)).find((entry) => entry.type === 'MEDIA_DELETED');
    expect(deleted?.detail).toMatchObject({ parts: ['video', 'reference'] });
  });

  it('keeps consent evidence with the check and in the audit trail', async () => {
    const consent = { noticeVersion: 'privacy-2026-10', acceptedAt: '2026-11-22T09:58:00+07:00' };
    const check = await decidedCheck(stack, { consent });
    expect((await result(stack.apiUrl, check.checkId)).body.consent).toEqual(consent);
    const created = (await stack.deps.audit.list(check.checkId)).find((entry) => entry.type === 'CHECK_CREATED');
    expect(created?.detail).toMatchObject({ consent });
  });

  it('refuses consent without a valid acceptance time', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consent: { noticeVersion: 'v1', acceptedAt: 'yesterday' } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/consent\.acceptedAt/);
  });

  describe('erasure on request', () => {
    it('deletes media, result and poll token at once, leaves a tombstone, and is idempotent', async () => {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      await uploadOk(form(check, 'video'), VIDEO, 'video/mp4'); // the reference never comes: media is still there
      await stack.idle();
      expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeDefined();

      const first = await erase(stack, check.checkId);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        checkId: check.checkId,
        erasedAt: expect.any(String),
        erasedBy: expect.any(String),
        deleted: { media: ['video', 'reference'], pollToken: true, record: true },
        alreadyErased: false,
      });
      expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeUndefined();
      expect(await stack.deps.checks.get(check.checkId)).toBeUndefined();

      const second = await erase(stack, check.checkId);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ checkId: check.checkId, erasedAt: first.body.erasedAt, alreadyErased: true });

      const tombstones = (await stack.deps.audit.list(check.checkId)).filter((entry) => entry.type === 'CHECK_ERASED');
      expect(tombstones).toHaveLength(1);
      expect(tombstones[0]?.detail).toMatchObject({ erasedBy: first.body.erasedBy, deleted: first.body.deleted });

      // The receipt states what is kept: exactly the attributes the audit entries still carry.
      const kept = (first.body as { kept: { auditTrail: { fields: string[]; reason: string; retention: string } } }).kept;
      const remaining = await stack.deps.audit.list(check.checkId);
      expect(remaining.length).toBeGreaterThan(1);
      for (const entry of remaining) expect(Object.keys(entry).sort()).toEqual([...kept.auditTrail.fields].sort());
      expect(kept.auditTrail.reason).toMatch(/record-keeping/i);
      expect(kept.auditTrail.retention).toMatch(/no expiry/);
      expect(second.body).toMatchObject({ kept });

      const polled = await poll(stack.apiUrl, check.checkId, check.pollToken);
      const unknown = await poll(stack.apiUrl, UNKNOWN, check.pollToken);
      expect(polled).toEqual(unknown);
      expect(polled.status).toBe(401);
      expect(await result(stack.apiUrl, check.checkId)).toEqual(await result(stack.apiUrl, UNKNOWN));
      expect((await result(stack.apiUrl, check.checkId)).status).toBe(404);
    });

    it('erases a decided check too, result included', async () => {
      const check = await decidedCheck(stack);
      const receipt = await erase(stack, check.checkId);
      expect(receipt.body).toMatchObject({ deleted: { result: true, record: true } });
      expect((await result(stack.apiUrl, check.checkId)).status).toBe(404);
    });

    it('answers 404 for a check that never existed', async () => {
      expect((await erase(stack, UNKNOWN)).status).toBe(404);
    });

    it('deletes an upload that arrives after the erasure with a still-valid form', async () => {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      await erase(stack, check.checkId);
      await uploadOk(form(check, 'video'), VIDEO, 'video/mp4');
      const deadline = Date.now() + 5_000;
      while (!stack.createdRecords.some((record) => record.s3.object.key.includes(check.checkId)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await stack.idle();
      expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeUndefined();
    });
  });

  describe('upload forms', () => {
    it('are refused by S3 when used for another key, a larger file, another type, or after expiry', async () => {
      const first = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      const second = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      const videoForm = form(first, 'video');

      const otherKey = await upload(
        { ...videoForm, fields: { ...videoForm.fields, key: mediaKey(second.checkId, 'video') } },
        VIDEO,
        'video/mp4',
      );
      expect(otherKey.status).toBe(403);

      const tooLarge = await upload(form(first, 'reference'), new Uint8Array(5 * 1024 * 1024 + 1), 'image/jpeg');
      expect(tooLarge.status).toBeGreaterThanOrEqual(400);
      expect(await tooLarge.text()).toMatch(/EntityTooLarge|content-length-range/);

      const otherType = await upload(videoForm, ID_PHOTO, 'image/jpeg');
      expect(otherType.status).toBe(403);

      const shortLived = await stack.deps.signer.presignPost({
        key: mediaKey(first.checkId, 'video'),
        maxBytes: 10 * 1024 * 1024,
        contentTypePrefix: 'video/',
        expiresInSeconds: 1,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const expired = await upload(
        { ...shortLived, maxBytes: 0, contentTypes: [], fields: { ...shortLived.fields } },
        VIDEO,
        'video/mp4',
      );
      expect(expired.status).toBe(403);
      expect(await expired.text()).toMatch(/expired/i);

      await stack.idle();
      expect(await stack.deps.media.head(mediaKey(first.checkId, 'video'))).toBeUndefined();
      expect(await stack.deps.media.head(mediaKey(second.checkId, 'video'))).toBeUndefined();
    });
  });
});

describe('with a keep window for review', () => {
  it('keeps the media until the window ends, then the sweep deletes it', async () => {
    const clock = movableClock();
    const stack = await startLocalStack({ port: 0, env: {}, clock, sweepIntervalMs: 0, config: { mediaRetentionSeconds: 3600 } });
    try {
      const check = await decidedCheck(stack);
      expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeDefined();
      expect((await stack.sweep()).mediaDeleted).toBe(0);

      clock.offsetMs = 3601 * 1000;
      expect((await stack.sweep()).mediaDeleted).toBe(1);
      expect(await stack.deps.media.head(mediaKey(check.checkId, 'video'))).toBeUndefined();
      expect(await stack.deps.media.head(mediaKey(check.checkId, 'reference'))).toBeUndefined();
      expect((await stack.sweep()).mediaDeleted).toBe(0);
    } finally {
      await stack.stop();
    }
  });
});

describe('record retention', () => {
  it('treats a check past its retention as gone on both read routes, before TTL removes it', async () => {
    const clock = movableClock();
    const stack = await startLocalStack({ port: 0, env: {}, clock, sweepIntervalMs: 0, config: { checkRetentionDays: 1 } });
    try {
      const check = await createCheck(stack.apiUrl, { parts: ['video', 'reference'] });
      expect((await poll(stack.apiUrl, check.checkId, check.pollToken)).status).toBe(200);
      clock.offsetMs = 86_401 * 1000;
      expect((await poll(stack.apiUrl, check.checkId, check.pollToken)).status).toBe(401);
      expect((await result(stack.apiUrl, check.checkId)).status).toBe(404);
    } finally {
      await stack.stop();
    }
  });
});
