// What the end user reads when a check ends. Reason messages come from the API and are written
// to be shown as they are; operational failures are never put on the user.
import type { CheckStatusResponse } from '../../src/client';

export type Tone = 'success' | 'retry' | 'fail' | 'review' | 'error';

export interface OutcomeText {
  readonly tone: Tone;
  readonly title: string;
  readonly message: string;
  /** Label of the button that starts over. */
  readonly action: string;
}

export function outcomeText(view: CheckStatusResponse): OutcomeText {
  const reasons = (view.reasons ?? []).map((reason) => reason.message).join(' ');
  if (view.status === 'EXPIRED') {
    return {
      tone: 'error',
      title: 'This session timed out',
      message: 'The upload did not arrive in time. Please start again.',
      action: 'Start again',
    };
  }
  if (view.status === 'FAILED') {
    return {
      tone: 'error',
      title: 'Something went wrong on our side',
      message: 'We received your video but could not finish the check. Please try again in a few minutes.',
      action: 'Try again',
    };
  }
  switch (view.decision) {
    case 'PASS':
      return {
        tone: 'success',
        title: 'You’re verified',
        message: 'Thanks — your check passed. You can continue.',
        action: 'Start a new check',
      };
    case 'RETRY':
      return {
        tone: 'retry',
        title: 'Let’s try that again',
        message: `Record again: ${reasons || 'The video could not be checked.'}`,
        action: 'Record again',
      };
    case 'REVIEW':
      return {
        tone: 'review',
        title: 'Thanks — we’re reviewing your check',
        message: 'A member of our team will look at it. We’ll let you know the result; you don’t need to do anything now.',
        action: 'Start a new check',
      };
    case 'FAIL':
      return {
        tone: 'fail',
        title: 'We couldn’t verify you',
        message: `${reasons || 'The check did not pass.'} If you think this is a mistake, please contact support.`,
        action: 'Start again',
      };
    case undefined:
      return {
        tone: 'error',
        title: 'Something went wrong on our side',
        message: 'Please try again in a few minutes.',
        action: 'Try again',
      };
  }
}
