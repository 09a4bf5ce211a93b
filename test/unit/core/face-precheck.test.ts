// The face pre-check step of an attempt, on in-memory fakes: image parts are shown to the gate
// with the bytes about to be sent; a refusal ends the check RETRY with no provider call.
import { describe, expect, it } from 'vitest';
import { reason } from '../../../src/core/reasons';
import { processUpload } from '../../../src/core/use-cases/process-upload';
import { FakeFacePrecheck } from '../../support/in-memory';
import {
  auditTypes,
  awaitingCheck,
  bytesOf,
  PASS_MATCHED,
  processingWorld,
  store,
  type ProcessingWorld,
} from '../../support/processing-world';

async function runWithGate(world: ProcessingWorld, gate: FakeFacePrecheck | undefined) {
  const checkId = await awaitingCheck(world, ['video', 'reference']);
  store(world, checkId, 'video');
  store(world, checkId, 'reference');
  world.judge.next = async () => PASS_MATCHED;
  const deps = gate ? { ...world.deps, facePrecheck: gate } : world.deps;
  await processUpload(deps, { checkId, part: 'video' });
  const outcome = await processUpload(deps, { checkId, part: 'reference' });
  return { checkId, outcome, check: await world.checks.get(checkId) };
}

const facePrechecked = (world: ProcessingWorld, checkId: string) =>
  world.audit.entries
    .filter((entry) => entry.checkId === checkId && entry.type === 'FACE_PRECHECKED')
    .map((entry) => entry.detail);

describe('processUpload: the face pre-check of image parts', () => {
  it('ends RETRY with the refusal reason and never calls the provider when the reference has no face', async () => {
    const world = processingWorld();
    const gate = new FakeFacePrecheck();
    gate.answer.reference = {
      verdict: 'refuse',
      reason: reason('REFERENCE_NO_FACE', 'reference: no face was found in the ID photo'),
      audit: { faces: 0, ms: 40, model: 'blazeface' },
    };

    const { checkId, outcome, check } = await runWithGate(world, gate);

    expect(outcome).toBe('completed');
    expect(check?.status).toBe('COMPLETED');
    expect(check?.result).toMatchObject({ decision: 'RETRY', reasons: [{ code: 'REFERENCE_NO_FACE' }] });
    expect(world.judge.requests).toHaveLength(0);
    expect(facePrechecked(world, checkId)).toEqual([
      expect.objectContaining({
        part: 'reference',
        verdict: 'refuse',
        reason: 'REFERENCE_NO_FACE',
        faces: 0,
        ms: 40,
        model: 'blazeface',
      }),
    ]);
    // Pre-checked after the media check, decided before anything else is written.
    const types = auditTypes(world, checkId);
    expect(types.indexOf('MEDIA_CHECKED')).toBeLessThan(types.indexOf('FACE_PRECHECKED'));
    expect(types).not.toContain('PROVIDER_ANSWER_RECORDED');
    expect(types.indexOf('FACE_PRECHECKED')).toBeLessThan(types.indexOf('RESULT_RECORDED'));
  });

  it('shows the gate only the image parts, with the exact bytes the provider would receive', async () => {
    const world = processingWorld();
    const gate = new FakeFacePrecheck();

    await runWithGate(world, gate);

    expect(gate.requests.map((request) => request.part)).toEqual(['reference']);
    expect(gate.requests[0]).toMatchObject({ provider: 'acme', bytes: bytesOf('reference') });
    expect(gate.requests[0]?.facts.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(world.judge.requests[0]?.media.find((item) => item.part === 'reference')?.bytes).toEqual(gate.requests[0]?.bytes);
  });

  it('calls the provider when the gate passes the picture, and audits the pass', async () => {
    const world = processingWorld();
    const gate = new FakeFacePrecheck();

    const { checkId, check } = await runWithGate(world, gate);

    expect(world.judge.requests).toHaveLength(1);
    expect(check?.result?.decision).toBe('PASS');
    expect(facePrechecked(world, checkId)).toEqual([expect.objectContaining({ part: 'reference', verdict: 'ok', faces: 1 })]);
  });

  it('leaves the decision to the provider when the gate skips the picture', async () => {
    const world = processingWorld();
    const gate = new FakeFacePrecheck();
    gate.answer.reference = { verdict: 'skipped', why: 'image-too-large' };

    const { checkId } = await runWithGate(world, gate);

    expect(world.judge.requests).toHaveLength(1);
    expect(facePrechecked(world, checkId)).toEqual([expect.objectContaining({ verdict: 'skipped', why: 'image-too-large' })]);
  });

  it('leaves the decision to the provider when the gate itself fails (the detector did not load)', async () => {
    const world = processingWorld();
    const gate = new FakeFacePrecheck();
    gate.answer.reference = new Error('the face detector could not be loaded');

    const { checkId, check } = await runWithGate(world, gate);

    expect(world.judge.requests).toHaveLength(1);
    expect(check?.result?.decision).toBe('PASS');
    expect(facePrechecked(world, checkId)).toEqual([expect.objectContaining({ verdict: 'skipped', why: 'precheck-failed' })]);
  });

  it('calls the provider without a pre-check when the deployment switched it off', async () => {
    const world = processingWorld();

    const { checkId } = await runWithGate(world, undefined);

    expect(world.judge.requests).toHaveLength(1);
    expect(auditTypes(world, checkId)).not.toContain('FACE_PRECHECKED');
  });
});
