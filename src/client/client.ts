// The typed client of API v1, for browsers and Node. Two roles, as in production:
//   - the operator's backend creates checks and reads full results (LivenessClient, signed);
//   - the frontend gets only {checkId, uploads, pollToken}, uploads and polls (CheckSession).
import type * as z from 'zod';
import {
  checkResultViewSchema,
  checkStatusViewSchema,
  createCheckResponseSchema,
  type CheckResultResponse,
  type CheckStatusResponse,
  type CreateCheckRequest,
  type CreateCheckResponse,
  type ErasureReceiptResponse,
  erasureReceiptSchema,
  mediaUrlResponseSchema,
  reviewQueueResponseSchema,
  type MediaUrlResponse,
  type ReviewQueueResponse,
  type ReviewRequest,
  auditTrailSchema,
  type AuditTrailResponse,
} from '../core/api-schemas';
import { PART_NAMES, type PartName } from '../core/check';
import { sleep, throwIfAborted } from './abort';
import { CheckTimeoutError, LivenessApiError, TransportError, UploadRefusedError } from './errors';
import { callJson, type FetchLike, type RequestSigner } from './http';
import type { UploadData } from './multipart';
import { defaultUploadTransport, parseS3Error, type UploadTransport } from './upload';

/** What the backend hands the frontend: enough to upload and poll, nothing that reads results. */
export type CheckHandoff = Pick<CreateCheckResponse, 'checkId' | 'uploads' | 'pollToken'>;

export function handoffOf(created: CreateCheckResponse): CheckHandoff {
  return { checkId: created.checkId, uploads: created.uploads, pollToken: created.pollToken };
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface LivenessClientOptions {
  /** API base URL, e.g. `http://127.0.0.1:3000` or the stack's `ApiUrl` output. */
  readonly apiUrl: string;
  /** Signs the backend routes (create, result, erase); unsigned when absent. */
  readonly signRequest?: RequestSigner;
  readonly fetch?: FetchLike;
  /** Used by sessions made with `session()`; default: XMLHttpRequest in browsers, else fetch. */
  readonly uploadTransport?: UploadTransport;
}

/** Backend role: creates checks and reads their full results. */
export class LivenessClient {
  private readonly apiUrl: string;
  private readonly fetch: FetchLike;

  constructor(private readonly options: LivenessClientOptions) {
    this.apiUrl = trimSlash(options.apiUrl);
    this.fetch = options.fetch ?? defaultFetch;
  }

  async createCheck(request: CreateCheckRequest = {}, options: CallOptions = {}): Promise<CreateCheckResponse> {
    const answer = await callJson({
      fetch: this.fetch,
      method: 'POST',
      url: `${this.apiUrl}/v1/checks`,
      body: request,
      schema: createCheckResponseSchema,
      ...(this.options.signRequest ? { signer: this.options.signRequest } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }

  async getResult(checkId: string, options: CallOptions = {}): Promise<CheckResultResponse> {
    const answer = await callJson({
      fetch: this.fetch,
      method: 'GET',
      url: `${this.apiUrl}/v1/checks/${encodeURIComponent(checkId)}/result`,
      schema: checkResultViewSchema,
      ...(this.options.signRequest ? { signer: this.options.signRequest } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }

  /** The check's audit trail, oldest step first. */
  async getAuditTrail(checkId: string, options: CallOptions = {}): Promise<AuditTrailResponse> {
    const answer = await callJson({
      fetch: this.fetch,
      method: 'GET',
      url: `${this.apiUrl}/v1/checks/${encodeURIComponent(checkId)}/audit`,
      schema: auditTrailSchema,
      ...(this.options.signRequest ? { signer: this.options.signRequest } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }

  /** Erases the check's media, result and poll token; idempotent (the second call says alreadyErased). */
  async eraseCheck(checkId: string, options: CallOptions = {}): Promise<ErasureReceiptResponse> {
    const answer = await callJson({
      fetch: this.fetch,
      method: 'DELETE',
      url: `${this.apiUrl}/v1/checks/${encodeURIComponent(checkId)}`,
      schema: erasureReceiptSchema,
      ...(this.options.signRequest ? { signer: this.options.signRequest } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }

  /** One page of the review queue (checks awaiting a person), oldest first. */
  async listReviews(
    query: { readonly limit?: number; readonly nextToken?: string } = {},
    options: CallOptions = {},
  ): Promise<ReviewQueueResponse> {
    const search = new URLSearchParams();
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    if (query.nextToken !== undefined) search.set('nextToken', query.nextToken);
    const suffix = search.size > 0 ? `?${search.toString()}` : '';
    return this.backendCall('GET', `/v1/reviews${suffix}`, reviewQueueResponseSchema, options);
  }

  /** A presigned link (at most 5 minutes) to one stored part; audited. */
  async getMediaUrl(checkId: string, part: PartName, options: CallOptions = {}): Promise<MediaUrlResponse> {
    const path = `/v1/checks/${encodeURIComponent(checkId)}/media/${encodeURIComponent(part)}`;
    return this.backendCall('GET', path, mediaUrlResponseSchema, options);
  }

  /** Settles a REVIEW check with a person's decision; the updated result. */
  async reviewCheck(checkId: string, review: ReviewRequest, options: CallOptions = {}): Promise<CheckResultResponse> {
    const path = `/v1/checks/${encodeURIComponent(checkId)}/review`;
    return this.backendCall('POST', path, checkResultViewSchema, options, review);
  }

  private async backendCall<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    options: CallOptions,
    body?: unknown,
  ): Promise<T> {
    const answer = await callJson({
      fetch: this.fetch,
      method,
      url: `${this.apiUrl}${path}`,
      schema,
      ...(body !== undefined ? { body } : {}),
      ...(this.options.signRequest ? { signer: this.options.signRequest } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }

  /** A frontend-role session on a check (never signed: the poll route takes the bearer token). */
  session(handoff: CheckHandoff): CheckSession {
    return new CheckSession({
      apiUrl: this.apiUrl,
      handoff,
      fetch: this.fetch,
      ...(this.options.uploadTransport ? { uploadTransport: this.options.uploadTransport } : {}),
    });
  }
}

export interface CheckSessionOptions {
  readonly apiUrl: string;
  readonly handoff: CheckHandoff;
  readonly fetch?: FetchLike;
  readonly uploadTransport?: UploadTransport;
}

export interface UploadProgress {
  readonly part: PartName;
  /** Bytes of the upload request sent so far (the file plus a little form overhead). */
  readonly loaded: number;
  readonly total: number;
}

export interface UploadOptions extends CallOptions {
  /** Default: the Blob's type. Parameters (`;codecs=...`) are dropped: S3 matches the policy on the whole value. */
  readonly contentType?: string;
  readonly filename?: string;
  readonly onProgress?: (progress: UploadProgress) => void;
}

export interface WaitOptions extends CallOptions {
  /** Called when the status, decision or reasons change (including the first answer). */
  readonly onStatus?: (view: CheckStatusResponse) => void;
  /** Default 120 s. */
  readonly timeoutMs?: number;
  /** Polling backoff: first delay, growth factor and ceiling. Defaults 500 ms, ×1.5, 5 s. */
  readonly initialDelayMs?: number;
  readonly backoffFactor?: number;
  readonly maxDelayMs?: number;
}

const TERMINAL = new Set<CheckStatusResponse['status']>(['COMPLETED', 'FAILED', 'EXPIRED']);

/** Frontend role: uploads the parts with their presigned forms and polls for the outcome. */
export class CheckSession {
  readonly checkId: string;
  private readonly apiUrl: string;
  private readonly fetch: FetchLike;
  private readonly transport: UploadTransport;

  constructor(private readonly options: CheckSessionOptions) {
    this.checkId = options.handoff.checkId;
    this.apiUrl = trimSlash(options.apiUrl);
    this.fetch = options.fetch ?? defaultFetch;
    this.transport = options.uploadTransport ?? defaultUploadTransport();
  }

  /** The parts this check has upload forms for. */
  get parts(): PartName[] {
    return PART_NAMES.filter((part) => this.options.handoff.uploads[part] !== undefined);
  }

  /** Uploads one part straight to S3. Rejects with UploadRefusedError when S3 refuses the form. */
  async upload(part: PartName, file: UploadData, options: UploadOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const form = this.options.handoff.uploads[part];
    if (!form) throw new RangeError(`This check has no upload form for "${part}"; it expects ${this.parts.join(', ')}.`);
    const contentType = essence(options.contentType ?? (file instanceof Blob ? file.type : ''));
    if (contentType === '') throw new TypeError(`The ${part} upload needs a content type (a typed Blob or options.contentType).`);

    let reported = -1;
    let total = 0;
    const report = (loaded: number, bodyTotal: number): void => {
      total = bodyTotal;
      // Progress only moves forward, whatever the transport's events do.
      if (loaded <= reported) return;
      reported = Math.min(loaded, bodyTotal);
      options.onProgress?.({ part, loaded: reported, total: bodyTotal });
    };
    const response = await this.transport({
      url: form.url,
      fields: { ...form.fields, 'Content-Type': contentType },
      file: { filename: options.filename ?? defaultFilename(part, file), contentType, data: file },
      onProgress: report,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status < 200 || response.status >= 300) {
      const s3 = parseS3Error(response.body);
      throw new UploadRefusedError(
        part,
        response.status,
        s3.code ?? 'UNKNOWN',
        `S3 refused the ${part} upload (${response.status} ${s3.code ?? ''}): ${s3.message ?? response.body.slice(0, 200)}`,
      );
    }
    if (total > 0 && reported < total) report(total, total);
  }

  async getStatus(options: CallOptions = {}): Promise<CheckStatusResponse> {
    return (await this.poll(options.signal)).value;
  }

  /**
   * Polls until the check ends (COMPLETED, FAILED or EXPIRED) and returns the last view. Throttling,
   * server errors and network failures are waited out; other API errors reject at once.
   */
  async waitForResult(options: WaitOptions = {}): Promise<CheckStatusResponse> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const maxDelay = options.maxDelayMs ?? 5_000;
    const factor = options.backoffFactor ?? 1.5;
    const deadline = Date.now() + timeoutMs;
    let delay = options.initialDelayMs ?? 500;
    let lastKey: string | undefined;
    let lastStatus: string | undefined;

    for (;;) {
      let wait = delay;
      try {
        const answer = await this.poll(options.signal);
        const view = answer.value;
        lastStatus = view.status;
        const key = JSON.stringify([view.status, view.decision, view.reasons]);
        if (key !== lastKey) {
          lastKey = key;
          options.onStatus?.(view);
        }
        if (TERMINAL.has(view.status)) return view;
        if (answer.retryAfterMs !== undefined) wait = answer.retryAfterMs;
      } catch (error) {
        if (error instanceof LivenessApiError && error.transient) {
          if (error.retryAfterMs !== undefined) wait = error.retryAfterMs;
        } else if (!(error instanceof TransportError)) {
          throw error;
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new CheckTimeoutError(this.checkId, timeoutMs, lastStatus);
      await sleep(Math.round(Math.min(wait, remaining)), options.signal);
      delay = Math.min(delay * factor, maxDelay);
    }
  }

  private poll(signal: AbortSignal | undefined) {
    return callJson({
      fetch: this.fetch,
      method: 'GET',
      url: `${this.apiUrl}/v1/checks/${encodeURIComponent(this.checkId)}`,
      headers: { authorization: `Bearer ${this.options.handoff.pollToken}` },
      schema: checkStatusViewSchema,
      ...(signal ? { signal } : {}),
    });
  }
}

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `video/webm;codecs=vp9,opus` → `video/webm`: S3 would read the comma as a list of types. */
export function essence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/x-matroska': 'mkv',
  'video/webm': 'webm',
  'image/jpeg': 'jpg',
  'image/png': 'png',
};

function defaultFilename(part: PartName, file: UploadData): string {
  if (typeof File === 'function' && file instanceof File && file.name !== '') return file.name;
  const type = file instanceof Blob ? essence(file.type) : '';
  return `${part}.${EXTENSIONS[type] ?? 'bin'}`;
}
