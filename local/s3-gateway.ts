/**
 * Local S3: s3rver (on a temporary directory, one bucket, CORS open to any origin) behind a
 * front proxy that enforces presigned POST policies the way real S3 does — s3rver itself
 * enforces nothing on a POST form (size, content type, expiry, signature, extra fields).
 *
 *   const s3 = await startLocalS3({ bucket: 'media', region: 'us-east-1' });
 *   const clients = createAwsClients({ region: s3.region, credentials: s3.credentials,
 *     endpoints: { s3: s3.endpoint } });
 *   const stop = s3.onObjectCreated((record) => processor({ Records: [record] }, context));
 *   …
 *   stop(); await s3.close();                          // the temporary directory is removed
 *
 * Multipart POSTs to a bucket are buffered (up to maxPostBytes), checked, and then forwarded
 * byte for byte; every other request (SDK calls: GET with Range, HEAD, DELETE, PUT, OPTIONS)
 * is streamed to s3rver unchanged. s3rver skips SigV4 verification of header-signed SDK
 * requests; it only checks that the access key id is known, so clients use `s3.credentials`.
 * ObjectCreated records are delivered after the upload as real S3 sends them: key URL-encoded,
 * configured region, real bucket ARN, and asynchronously (a slow listener never delays the upload).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3EventRecord } from 'aws-lambda';
import S3rver from 's3rver';
import s3rverAccount from 's3rver/lib/models/account.js';
import * as z from 'zod';
import { closeServer, listen, readBody, RequestTooLargeError } from './http-util';

export type { S3EventRecord } from 'aws-lambda';

/** s3rver's built-in key pair, used unless other credentials are configured. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3GatewayOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly bucket?: string;
  /** Region the form's X-Amz-Credential must name, and the one reported in event records. */
  readonly region?: string;
  /** The key pair clients sign with (default LOCAL_S3_CREDENTIALS); POST form signatures are verified with it. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Bodies of POST forms are buffered to check them; larger ones are refused as EntityTooLarge. */
  readonly maxPostBytes?: number;
  /** Reports a listener that threw or rejected (defaults to console.error). */
  readonly onListenerError?: (error: unknown, record: S3EventRecord) => void;
}

export type ObjectCreatedListener = (record: S3EventRecord) => void | Promise<void>;

export interface LocalS3Gateway {
  /** `http://127.0.0.1:<port>`: give it to the S3 client as its endpoint (path-style). */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Subscribes to ObjectCreated:* records of the bucket; returns the unsubscribe function. */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
  close(): Promise<void>;
}

const DEFAULT_MAX_POST_BYTES = 100 * 1024 * 1024;

const CORS_ANY_ORIGIN = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>DELETE</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>Location</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export async function startLocalS3(options: LocalS3GatewayOptions = {}): Promise<LocalS3Gateway> {
  const host = options.host ?? '127.0.0.1';
  const bucket = options.bucket ?? 'liveness-media';
  const region = options.region ?? 'us-east-1';
  const maxPostBytes = options.maxPostBytes ?? DEFAULT_MAX_POST_BYTES;
  const credentials = {
    accessKeyId: options.credentials?.accessKeyId ?? LOCAL_S3_CREDENTIALS.accessKeyId,
    secretAccessKey: options.credentials?.secretAccessKey ?? LOCAL_S3_CREDENTIALS.secretAccessKey,
  };
  // s3rver accepts SDK requests only from access key ids in its (process-wide) registry.
  s3rverAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const onListenerError =
    options.onListenerError ?? ((error: unknown) => console.error('[local-s3] an ObjectCreated listener failed:', error));

  const directory = await mkdtemp(join(tmpdir(), 'liveness-s3-'));
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Host names are never bucket names here: a LAN host name must not turn into a vhost bucket.
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [CORS_ANY_ORIGIN] }],
  });
  // s3rver is a Koa app: trusting X-Forwarded-For lets event records carry the uploader's address.
  Object.assign(backend, { proxy: true });
  const backendAddress = await backend.run().catch(async (error: unknown) => {
    await rm(directory, { recursive: true, force: true });
    throw new Error('Could not start s3rver', { cause: error });
  });
  const backendPort = backendAddress.port;
  const upstreamAgent = new Agent({ keepAlive: true });

  const listeners = new Set<ObjectCreatedListener>();
  backend.on('event', (event: unknown) => {
    for (const record of normaliseEvent(event, region)) {
      if (record.s3.bucket.name !== bucket || !record.eventName.startsWith('ObjectCreated:')) continue;
      for (const listener of listeners) {
        // Real S3 notifies after the request completes, never inside it.
        setImmediate(() => {
          Promise.resolve()
            .then(() => listener(record))
            .catch((error: unknown) => onListenerError(error, record));
        });
      }
    }
  });

  const forward = (request: IncomingMessage, response: ServerResponse, body: Buffer | undefined): void => {
    const headers: IncomingHttpHeaders = { ...request.headers };
    headers['x-forwarded-for'] = request.socket.remoteAddress ?? '127.0.0.1';
    // Keeps the Location header s3rver builds pointing at this gateway rather than at s3rver.
    if (request.headers.host !== undefined) headers['x-forwarded-host'] = request.headers.host;
    if (body !== undefined) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: backendPort, method: request.method, path: request.url, headers, agent: upstreamAgent },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (response.headersSent) response.destroy(error);
      else sendS3Error(response, request, new S3Error(500, 'InternalError', 'The local S3 backend failed.'));
    });
    if (body === undefined) request.pipe(upstream);
    else upstream.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const formBucket = postFormBucket(request);
    if (formBucket === undefined) {
      forward(request, response, undefined);
      return;
    }
    try {
      const body = await readBody(request, maxPostBytes).catch((error: unknown) => {
        if (error instanceof RequestTooLargeError) {
          throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
            MaxSizeAllowed: String(maxPostBytes),
          });
        }
        throw error;
      });
      await checkPostForm({
        bucket: formBucket,
        contentType: request.headers['content-type'],
        body,
        region,
        secretFor: (accessKeyId) => (accessKeyId === credentials.accessKeyId ? credentials.secretAccessKey : undefined),
        now: new Date(),
      });
      forward(request, response, body);
    } catch (error) {
      sendS3Error(
        response,
        request,
        error instanceof S3Error ? error : new S3Error(500, 'InternalError', 'We encountered an internal error.'),
      );
    }
  };

  const front = createServer((request, response) => {
    void handle(request, response);
  });
  const port = await listen(front, options.port ?? 0, host).catch(async (error: unknown) => {
    upstreamAgent.destroy();
    await backend.close();
    await rm(directory, { recursive: true, force: true });
    throw error;
  });

  return {
    endpoint: `http://${host}:${port}`,
    bucket,
    region,
    credentials,
    onObjectCreated: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      listeners.clear();
      await closeServer(front);
      upstreamAgent.destroy();
      await backend.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The bucket of a browser-style POST Object request (POST /bucket with no sub-resource), else undefined. */
function postFormBucket(request: IncomingMessage): string | undefined {
  if (request.method !== 'POST' || request.url === undefined) return undefined;
  const url = new URL(request.url, 'http://local');
  if (url.search !== '') return undefined;
  const match = /^\/([^/]+)\/?$/.exec(url.pathname);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

// ---------------------------------------------------------------------------------------------
// POST policy enforcement
// ---------------------------------------------------------------------------------------------

/** An S3 error response: status, code and message as S3 sends them, plus extra XML elements. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export interface PostFormCheck {
  readonly bucket: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly region: string;
  readonly secretFor: (accessKeyId: string) => string | undefined;
  readonly now: Date;
}

/** Fields S3 never requires a policy condition for. */
const EXEMPT_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);

const policySchema = z.object({
  expiration: z.string(),
  conditions: z.array(z.unknown()),
});

type Condition =
  | { readonly kind: 'eq' | 'starts-with'; readonly field: string; readonly value: string; readonly source: string }
  | { readonly kind: 'content-length-range'; readonly min: number; readonly max: number };

/** Throws the S3Error real S3 would answer with, or returns when S3 would accept the form. */
export async function checkPostForm(check: PostFormCheck): Promise<void> {
  if (check.contentType === undefined || !/^multipart\/form-data\s*;/i.test(check.contentType)) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
    });
  }
  let form: FormData;
  try {
    form = await new Request('http://local/', {
      method: 'POST',
      headers: { 'content-type': check.contentType },
      body: new Uint8Array(check.body),
    }).formData();
  } catch {
    throw new S3Error(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
  }

  // S3 reads fields up to the file and ignores everything after it. Names are case-insensitive.
  const fields = new Map<string, string>();
  let fileSize: number | undefined;
  for (const [name, value] of form.entries()) {
    if (name === 'file') {
      fileSize = typeof value === 'string' ? Buffer.byteLength(value) : value.size;
      break;
    }
    const lower = name.toLowerCase();
    if (typeof value !== 'string') {
      throw new S3Error(400, 'InvalidArgument', `POST form field ${name} must not be a file`);
    }
    if (fields.has(lower)) throw new S3Error(400, 'InvalidArgument', `POST form field ${name} appears more than once`);
    fields.set(lower, value);
  }
  if (fileSize === undefined) {
    throw new S3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', {
      ArgumentName: 'file',
      ArgumentValue: '0',
    });
  }

  const policyBase64 = fields.get('policy');
  // The bucket is private: a form without a policy is an anonymous write.
  if (policyBase64 === undefined) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  verifySignature(fields, policyBase64, check);

  const policy = decodePolicy(policyBase64);
  const expiration = Date.parse(policy.expiration);
  if (Number.isNaN(expiration)) {
    throw new S3Error(400, 'InvalidPolicyDocument', `Invalid Policy: Invalid 'expiration' value: '${policy.expiration}'`);
  }
  if (check.now.getTime() > expiration) {
    throw new S3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
  }

  const conditions = policy.conditions.map(parseCondition);
  const covered = new Set(
    conditions.flatMap((condition) => (condition.kind === 'content-length-range' ? [] : [condition.field])),
  );
  const extra = [...fields.keys()].filter(
    (name) => !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && !covered.has(name),
  );
  if (extra.length > 0) {
    throw new S3Error(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  }
  const formBucket = fields.get('bucket');
  if (formBucket !== undefined && formBucket !== check.bucket) {
    throw new S3Error(
      403,
      'AccessDenied',
      `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "${check.bucket}"]`,
    );
  }
  if (fields.get('key')?.includes('${filename}') === true) {
    // Forwarding bytes unchanged cannot substitute the file name; our keys are fixed anyway.
    throw new S3Error(501, 'NotImplemented', 'Keys with ${filename} are not supported by the local S3 gateway.');
  }

  for (const condition of conditions) {
    if (condition.kind === 'content-length-range') continue;
    const actual = condition.field === 'bucket' ? check.bucket : fields.get(condition.field);
    if (!conditionHolds(condition, actual)) {
      throw new S3Error(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${condition.source}`);
    }
  }
  for (const condition of conditions) {
    if (condition.kind !== 'content-length-range') continue;
    if (fileSize < condition.min) {
      throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
        ProposedSize: String(fileSize),
        MinSizeAllowed: String(condition.min),
      });
    }
    if (fileSize > condition.max) {
      throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        ProposedSize: String(fileSize),
        MaxSizeAllowed: String(condition.max),
      });
    }
  }
}

function verifySignature(fields: ReadonlyMap<string, string>, policyBase64: string, check: PostFormCheck): void {
  const required = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined || value.length === 0) {
      throw new S3Error(400, 'InvalidArgument', `Bucket POST must contain a field named '${name}'.`, { ArgumentName: name });
    }
    return value;
  };
  const algorithm = required('x-amz-algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(400, 'InvalidArgument', 'Only the AWS4-HMAC-SHA256 algorithm is supported.', {
      ArgumentName: 'x-amz-algorithm',
      ArgumentValue: algorithm,
    });
  }
  const credential = required('x-amz-credential');
  required('x-amz-date');
  const signature = required('x-amz-signature');

  const [accessKeyId, date, credentialRegion, service, terminator, ...rest] = credential.split('/');
  if (
    accessKeyId === undefined ||
    date === undefined ||
    !/^\d{8}$/.test(date) ||
    credentialRegion === undefined ||
    service === undefined ||
    terminator !== 'aws4_request' ||
    rest.length > 0
  ) {
    throw new S3Error(400, 'InvalidArgument', 'X-Amz-Credential is malformed.', { ArgumentName: 'x-amz-credential' });
  }
  if (credentialRegion !== check.region) {
    throw new S3Error(
      400,
      'AuthorizationQueryParametersError',
      `Error parsing the X-Amz-Credential parameter; the region '${credentialRegion}' is wrong; expecting '${check.region}'`,
      { Region: check.region },
    );
  }
  if (service !== 's3') {
    throw new S3Error(
      400,
      'AuthorizationQueryParametersError',
      `Error parsing the X-Amz-Credential parameter; incorrect service '${service}'. This endpoint belongs to 's3'.`,
    );
  }
  const secret = check.secretFor(accessKeyId);
  if (secret === undefined) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  }
  const expected = Buffer.from(signPolicy(policyBase64, secret, date, credentialRegion), 'hex');
  const provided = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    throw new S3Error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: accessKeyId },
    );
  }
}

/** SigV4 signature of a base64 POST policy: hex HMAC with the date/region/s3 signing key. */
export function signPolicy(policyBase64: string, secretAccessKey: string, date: string, region: string): string {
  const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), 's3'), 'aws4_request');
  return createHmac('sha256', signingKey).update(policyBase64, 'utf8').digest('hex');
}

function decodePolicy(policyBase64: string): z.infer<typeof policySchema> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    throw new S3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    throw new S3Error(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration or conditions.');
  }
  return parsed.data;
}

function parseCondition(raw: unknown): Condition {
  const invalid = (): S3Error =>
    new S3Error(400, 'InvalidPolicyDocument', `Invalid Policy: Invalid Condition: ${JSON.stringify(raw)}`);
  if (Array.isArray(raw)) {
    const [op, first, second] = raw;
    if (raw.length !== 3 || typeof op !== 'string') throw invalid();
    const kind = op.toLowerCase();
    if (kind === 'content-length-range') {
      const min = Number(first);
      const max = Number(second);
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) throw invalid();
      return { kind, min, max };
    }
    if (
      (kind === 'eq' || kind === 'starts-with') &&
      typeof first === 'string' &&
      first.startsWith('$') &&
      typeof second === 'string'
    ) {
      const source = `["${op}", "${first}", "${second}"]`;
      return { kind, field: first.slice(1).toLowerCase(), value: second, source };
    }
    throw invalid();
  }
  if (typeof raw === 'object' && raw !== null) {
    const entries = Object.entries(raw);
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined || typeof entry[1] !== 'string') throw invalid();
    const [field, value] = entry;
    return { kind: 'eq', field: field.toLowerCase(), value, source: `["eq", "$${field}", "${value}"]` };
  }
  throw invalid();
}

function conditionHolds(condition: Extract<Condition, { field: string }>, actual: string | undefined): boolean {
  if (condition.kind === 'eq') return actual === condition.value;
  // An absent field is the empty string for starts-with, so ["starts-with", "$x", ""] allows anything.
  const value = actual ?? '';
  // S3 applies a Content-Type prefix to each value of a comma-separated list.
  if (condition.field === 'content-type') {
    return value.split(',').every((part) => part.trim().startsWith(condition.value));
  }
  return value.startsWith(condition.value);
}

function sendS3Error(response: ServerResponse, request: IncomingMessage, error: S3Error): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const extra = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${extra}` +
    `<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
  const headers: Record<string, string | number> = {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  };
  // The bucket's CORS rule applies to error responses too, so a browser can read why it failed.
  if (request.headers.origin !== undefined) {
    headers['access-control-allow-origin'] = '*';
    headers.vary = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
  }
  response.writeHead(error.status, headers);
  response.end(body);
}

/** Element content only, so quotes stay literal as in S3's own messages. */
function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---------------------------------------------------------------------------------------------
// Event records
// ---------------------------------------------------------------------------------------------

const s3rverRecordSchema = z.object({
  eventTime: z.string(),
  eventName: z.string(),
  userIdentity: z.object({ principalId: z.string() }),
  requestParameters: z.object({ sourceIPAddress: z.string().optional() }),
  responseElements: z.object({ 'x-amz-request-id': z.string(), 'x-amz-id-2': z.string() }),
  s3: z.object({
    bucket: z.object({ name: z.string(), ownerIdentity: z.object({ principalId: z.string() }) }),
    object: z.object({ key: z.string(), size: z.number().optional(), eTag: z.string().optional() }),
  }),
});
const s3rverEventSchema = z.object({ Records: z.array(s3rverRecordSchema) });

let sequence = 0;

/** s3rver's records, reshaped to what S3 sends: encoded key, region, ARN, an ordering sequencer. */
function normaliseEvent(event: unknown, region: string): S3EventRecord[] {
  const parsed = s3rverEventSchema.safeParse(event);
  if (!parsed.success) return [];
  return parsed.data.Records.map((record) => {
    sequence = (sequence + 1) % 0x1000000;
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: region,
      eventTime: record.eventTime,
      eventName: record.eventName,
      userIdentity: record.userIdentity,
      requestParameters: { sourceIPAddress: (record.requestParameters.sourceIPAddress ?? '127.0.0.1').replace(/^::ffff:/, '') },
      responseElements: record.responseElements,
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'local-object-created',
        bucket: {
          name: record.s3.bucket.name,
          ownerIdentity: record.s3.bucket.ownerIdentity,
          arn: `arn:aws:s3:::${record.s3.bucket.name}`,
        },
        object: {
          key: encodeEventKey(record.s3.object.key),
          size: record.s3.object.size ?? 0,
          eTag: record.s3.object.eTag ?? '',
          sequencer: `${Date.now().toString(16).toUpperCase()}${sequence.toString(16).toUpperCase().padStart(6, '0')}`,
        },
      },
    };
  });
}

/**
 * S3 event keys are form-URL-encoded (space → '+', reserved characters → %XX) with '/' kept, so
 * a handler must decode with decodeURIComponent(key.replace(/\+/g, ' ')) — locally as in AWS.
 */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => new URLSearchParams({ k: segment }).toString().slice(2))
    .join('/');
}
