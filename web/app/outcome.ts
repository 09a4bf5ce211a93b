// What the end user reads when a check ends, in their language. Reasons are shown from the
// locale by code, never the server's English text; operational failures are never put on the user.
import type { CheckStatusResponse } from '../../src/client';
import type { Translator } from './i18n';

export type Tone = 'success' | 'retry' | 'fail' | 'review' | 'error';

export interface OutcomeText {
  readonly tone: Tone;
  readonly title: string;
  readonly message: string;
  /** Shown for outcomes support may be asked about. */
  readonly reference?: string;
}

/** The locale's message for a reason code; a code this page does not know gets a generic line. */
export function reasonText(code: string, i18n: Translator): string {
  const key = `reason.${code}`;
  return i18n.has(key) ? i18n.t(key) : i18n.t('reason.unknown');
}

function reasonsText(view: Pick<CheckStatusResponse, 'reasons'>, i18n: Translator): string {
  const codes = [...new Set((view.reasons ?? []).map((reason) => reason.code))];
  const texts = [...new Set(codes.map((code) => reasonText(code, i18n)))];
  return texts.length > 0 ? texts.join(' ') : i18n.t('reason.unknown');
}

export function outcomeText(
  view: Pick<CheckStatusResponse, 'checkId' | 'status' | 'decision' | 'reasons'>,
  i18n: Translator,
): OutcomeText {
  const reference = i18n.t('outcome.reference', { reference: view.checkId });
  if (view.status === 'EXPIRED') {
    return { tone: 'error', title: i18n.t('outcome.expiredTitle'), message: i18n.t('outcome.expiredMessage') };
  }
  if (view.status !== 'COMPLETED') {
    return { tone: 'error', title: i18n.t('outcome.failedTitle'), message: i18n.t('outcome.failedMessage'), reference };
  }
  switch (view.decision) {
    case 'PASS':
      return { tone: 'success', title: i18n.t('outcome.passTitle'), message: i18n.t('outcome.passMessage') };
    case 'RETRY':
      return {
        tone: 'retry',
        title: i18n.t('outcome.retryTitle'),
        message: i18n.t('outcome.retryMessage', { reasons: reasonsText(view, i18n) }),
      };
    case 'REVIEW':
      return { tone: 'review', title: i18n.t('outcome.reviewTitle'), message: i18n.t('outcome.reviewMessage'), reference };
    case 'FAIL':
      return {
        tone: 'fail',
        title: i18n.t('outcome.failTitle'),
        message: i18n.t('outcome.failMessage', { reasons: reasonsText(view, i18n) }),
        reference,
      };
    default:
      return { tone: 'error', title: i18n.t('outcome.failedTitle'), message: i18n.t('outcome.failedMessage'), reference };
  }
}
