// Node entry of the client: everything the browser entry has, plus the node:http upload
// transport (real upload progress), SigV4 signing for a deployed stack, and verifying the
// gateway's signed outcome webhooks.
export * from '../index';
export { nodeUploadTransport } from './upload-node';
export { createSigV4Signer, NodeSha256, regionFromApiUrl, type SigV4SignerOptions } from './sigv4';
export { verifyWebhook, type VerifiedOutcomeEvent } from './webhooks';
export {
  WebhookSecretError,
  WebhookVerificationError,
  WEBHOOK_TOLERANCE_SECONDS,
  type HeadersLike,
  type VerifyWebhookOptions,
  type WebhookVerificationReason,
} from '../../events/standard-webhooks';
export { OUTCOME_EVENT_TYPES, type OutcomeEvent, type OutcomeEventType } from '../../events/envelope';
