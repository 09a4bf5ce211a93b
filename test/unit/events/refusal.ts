import { WebhookVerificationError, type WebhookVerificationReason } from '../../../src/events/standard-webhooks';

/** Runs a verification and says which check refused it, or 'accepted'; any other error is rethrown. */
export function refusal(action: () => unknown): WebhookVerificationReason | 'accepted' {
  try {
    action();
    return 'accepted';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}
