// The words the capture page shows for each way a check can end.
import { describe, expect, it } from 'vitest';
import type { CheckStatusResponse } from '../../src/client';
import { outcomeText } from '../../web/app/outcome';

const base = { checkId: '6f1c8a43-3c1b-4d55-9d0e-0e6f2b8f3a11', updatedAt: '2025-01-01T00:00:00.000Z' };

function view(partial: Partial<CheckStatusResponse>): CheckStatusResponse {
  return { ...base, status: 'COMPLETED', ...partial };
}

describe('outcome wording', () => {
  it('calls a PASS a success', () => {
    expect(outcomeText(view({ decision: 'PASS', reasons: [] }))).toMatchObject({ tone: 'success', title: 'You’re verified' });
  });

  it('asks to record again with every reason the API gave', () => {
    const text = outcomeText(
      view({
        decision: 'RETRY',
        reasons: [
          { code: 'MULTIPLE_FACES', message: 'More than one face was in view.' },
          { code: 'FACE_BLURRY', message: 'The face is blurry: hold still in good light.' },
        ],
      }),
    );
    expect(text).toMatchObject({ tone: 'retry', action: 'Record again' });
    expect(text.message).toBe('Record again: More than one face was in view. The face is blurry: hold still in good light.');
  });

  it('gives the reason of a FAIL and where to turn', () => {
    const text = outcomeText(
      view({ decision: 'FAIL', reasons: [{ code: 'FACE_MISMATCH', message: 'The face does not match the ID photo.' }] }),
    );
    expect(text.tone).toBe('fail');
    expect(text.message).toMatch(/^The face does not match the ID photo\. .*contact support/);
  });

  it('tells a REVIEW it is being looked at, without the internal reason', () => {
    const text = outcomeText(
      view({ decision: 'REVIEW', reasons: [{ code: 'NEEDS_REVIEW', message: 'The check needs a manual review.' }] }),
    );
    expect(text).toMatchObject({ tone: 'review', title: 'Thanks — we’re reviewing your check' });
    expect(text.message).not.toContain('manual review');
  });

  it('never puts an operational FAILED on the user nor shows its reason', () => {
    const text = outcomeText(
      view({
        status: 'FAILED',
        reasons: [{ code: 'PROVIDER_AUTH_FAILED', message: 'The liveness service refused our credentials.' }],
      }),
    );
    expect(text).toMatchObject({ tone: 'error', title: 'Something went wrong on our side' });
    expect(text.message).not.toContain('credentials');
  });

  it('asks to start again when the uploads never arrived', () => {
    expect(outcomeText(view({ status: 'EXPIRED' }))).toMatchObject({ tone: 'error', action: 'Start again' });
  });
});
