// Node entry of the client: everything the browser entry has, plus the node:http upload
// transport (real upload progress), SigV4 signing for a deployed stack, and verifying the
// gateway's signed outcome webhooks.
export * from '../index';
export { nodeUploadTransport } from './upload-node';
export { createSigV4Signer, NodeSha256, regionFromApiUrl, type SigV4SignerOptions } from './sigv4';
export {
  verifyWebhook,
  OUTCOME_EVENT_TYPES,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookSecretError,
  WebhookVerificationError,
  type HeadersLike,
  type OutcomeEvent,
  type OutcomeEventType,
  type VerifiedOutcomeEvent,
  type VerifyWebhookOptions,
  type WebhookBody,
  type WebhookVerificationReason,
} from './webhooks';
