// Browser-safe entry of the client: no AWS SDK, no node: modules (the Node extras are in ./node).
export { LivenessClient, CheckSession, handoffOf, essence } from './client';
export type {
  CallOptions,
  CheckHandoff,
  CheckSessionOptions,
  LivenessClientOptions,
  UploadOptions,
  UploadProgress,
  WaitOptions,
} from './client';
export {
  AbortedError,
  CheckTimeoutError,
  InvalidResponseError,
  LivenessApiError,
  LivenessClientError,
  TransportError,
  UploadRefusedError,
} from './errors';
export type { FetchLike, RequestSigner, SignableRequest } from './http';
export type { UploadData } from './multipart';
export {
  fetchUploadTransport,
  xhrUploadTransport,
  type UploadRequest,
  type UploadResponse,
  type UploadTransport,
} from './upload';
export type {
  AuditTrailResponse,
  CheckResultResponse,
  CheckStatusResponse,
  CreateCheckRequest,
  CreateCheckResponse,
  ErasureReceiptResponse,
  ReasonView,
} from '../core/api-schemas';
