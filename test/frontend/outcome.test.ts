// The words the capture page shows for each way a check can end, from the user's locale.
import { describe, expect, it } from 'vitest';
import type { CheckStatusResponse } from '../../src/client';
import { translator } from '../../web/app/i18n';
import { outcomeText } from '../../web/app/outcome';

const base = { checkId: '6f1c8a43-3c1b-4d55-9d0e-0e6f2b8f3a11', updatedAt: '2025-01-01T00:00:00.000Z' };
const en = translator('en');

function view(partial: Partial<CheckStatusResponse>): CheckStatusResponse {
  return { ...base, status: 'COMPLETED', ...partial };
}

describe('outcome wording', () => {
  it('calls a PASS a success', () => {
    expect(outcomeText(view({ decision: 'PASS', reasons: [] }), en)).toMatchObject({ tone: 'success', title: 'You’re verified' });
  });

  it('asks to record again with the locale’s message for every reason, not the server’s English text', () => {
    const reasons = [
      { code: 'MULTIPLE_FACES', message: 'video: 2 faces' },
      { code: 'FACE_BLURRY', message: 'video: blur 0.87' },
    ] as const;
    const english = outcomeText(view({ decision: 'RETRY', reasons: [...reasons] }), en);
    expect(english.tone).toBe('retry');
    expect(english.message).toBe(
      'We could not check this capture: More than one face was in view. Your face is blurry: hold still in good light.',
    );
    const vietnamese = outcomeText(view({ decision: 'RETRY', reasons: [...reasons] }), translator('vi'));
    expect(vietnamese.message).toBe(
      'Chúng tôi chưa thể kiểm tra lần ghi hình này: Có nhiều hơn một khuôn mặt trong khung hình. Khuôn mặt bị mờ: xin giữ yên ở nơi đủ ánh sáng.',
    );
    expect(vietnamese.message).not.toContain('video:');
  });

  it('shows the media check’s refusal by its code only (never “video: 320x240, minimum 800x600”)', () => {
    const text = outcomeText(
      view({ decision: 'RETRY', reasons: [{ code: 'RESOLUTION_TOO_LOW', message: 'video: 320x240, minimum 800x600' }] }),
      translator('ja'),
    );
    expect(text.message).toBe('今回の撮影では確認できませんでした：カメラの解像度が低く、画像が鮮明ではありません。');
  });

  it('gives a generic line for a reason code the page does not know', () => {
    const text = outcomeText(view({ decision: 'RETRY', reasons: [{ code: 'SOMETHING_NEW', message: 'internal' }] } as never), en);
    expect(text.message).toBe('We could not check this capture: The capture could not be checked.');
  });

  it('gives the reason of a FAIL, where to turn, and the support reference', () => {
    const text = outcomeText(view({ decision: 'FAIL', reasons: [{ code: 'FACE_MISMATCH', message: 'score 0.42' }] }), en);
    expect(text.tone).toBe('fail');
    expect(text.message).toMatch(/^The face does not match the ID photo\. .*contact support/);
    expect(text.reference).toBe(`Support reference: ${base.checkId}`);
  });

  it('tells a REVIEW it is being looked at, without the internal reason', () => {
    const text = outcomeText(view({ decision: 'REVIEW', reasons: [{ code: 'NEEDS_REVIEW', message: 'review band' }] }), en);
    expect(text).toMatchObject({ tone: 'review', title: 'Thank you, we’re reviewing your check' });
    expect(text.message).not.toContain('review band');
  });

  it('never puts an operational FAILED on the user nor shows its reason, and gives the support reference', () => {
    const text = outcomeText(
      view({
        status: 'FAILED',
        reasons: [{ code: 'PROVIDER_AUTH_FAILED', message: 'The liveness service refused our credentials.' }],
      }),
      translator('id'),
    );
    expect(text).toMatchObject({ tone: 'error', title: 'Terjadi kendala di pihak kami' });
    expect(text.message).not.toContain('credentials');
    expect(text.reference).toContain(base.checkId);
  });

  it('asks to start again when the uploads never arrived', () => {
    expect(outcomeText(view({ status: 'EXPIRED' }), en)).toMatchObject({ tone: 'error', title: 'This session has expired' });
  });
});
