/**
 * Local S3: s3rver (on a per-run temporary directory, one private bucket) behind a front gate
 * that refuses what real S3 would refuse — s3rver itself enforces nothing: it accepts anonymous
 * reads, writes and listings, skips signature checks, and maps keys to file paths unchecked.
 *
 *   const s3 = await startLocalS3({ bucket: 'media', region: 'us-east-1', corsOrigins: ['http://127.0.0.1:3000'] });
 *   const clients = createAwsClients({ region: s3.region, credentials: s3.credentials,
 *     endpoints: { s3: s3.endpoint } });
 *   const stop = s3.onObjectCreated((record) => processor({ Records: [record] }, context));
 *   …
 *   stop(); await s3.close();                          // the temporary directory is removed
 *
 * The gate lets through exactly two kinds of request:
 * - a browser's POST form to the bucket: buffered (up to maxPostBytes), parsed once by a strict
 *   multipart reader (an ambiguous or malformed form is refused), checked against its signed
 *   policy, and forwarded to s3rver as a re-built canonical form, so the gate and the store can
 *   never read different keys or fields out of it;
 * - a SigV4-signed request (Authorization header, or a presigned URL's X-Amz-* query) whose
 *   signature the gate recomputes with the configured key pair; the body is buffered and its
 *   declared SHA-256 checked. It is forwarded without its credentials.
 * Anything else gets S3's 403 AccessDenied. A key with a `.` or `..` segment, a backslash, a NUL
 * or an empty segment is refused before it reaches the store, which checks again that every path
 * it writes stays inside its directory. CORS (POST only, as the deployed bucket) is answered for
 * the configured origins only. ObjectCreated records are delivered after the upload as real S3
 * sends them: key URL-encoded, configured region, real bucket ARN, and asynchronously.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { createWriteStream } from 'node:fs';
import { SignatureV4 } from '@smithy/signature-v4';
import type { S3EventRecord } from 'aws-lambda';
import S3rver from 's3rver';
import s3rverAccount from 's3rver/lib/models/account.js';
import * as z from 'zod';
import { closeServer, listen, readBody, RequestTooLargeError } from './http-util';
import { GatewayError } from '../src/core/errors';

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
  /** The only key pair accepted: SDK requests and POST form signatures are verified with it. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Browser origins allowed to POST forms cross-origin (exact `scheme://host[:port]`); more via allowOrigins(). */
  readonly corsOrigins?: readonly string[];
  /** Bodies of POST forms and signed writes are buffered to check them; larger ones are refused as EntityTooLarge. */
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
  /** The per-run directory s3rver stores objects in (removed on close and at process exit). */
  readonly directory: string;
  /** Adds browser origins to the CORS rule (e.g. the local page's, known once its server listens). */
  allowOrigins(origins: readonly string[]): void;
  /** Subscribes to ObjectCreated:* records of the bucket; returns the unsubscribe function. */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
  close(): Promise<void>;
}

const DEFAULT_MAX_POST_BYTES = 100 * 1024 * 1024;
/** Per-run data directories are named after this prefix and hold a file naming their process. */
const RUN_DIR_PREFIX = 'liveness-s3-';
const OWNER_FILE = 'owner.pid';

export async function startLocalS3(options: LocalS3GatewayOptions = {}): Promise<LocalS3Gateway> {
  const host = options.host ?? '127.0.0.1';
  const bucket = options.bucket ?? 'liveness-media';
  const region = options.region ?? 'us-east-1';
  const maxPostBytes = options.maxPostBytes ?? DEFAULT_MAX_POST_BYTES;
  const credentials = {
    accessKeyId: options.credentials?.accessKeyId ?? LOCAL_S3_CREDENTIALS.accessKeyId,
    secretAccessKey: options.credentials?.secretAccessKey ?? LOCAL_S3_CREDENTIALS.secretAccessKey,
  };
  const corsOrigins = new Set(options.corsOrigins ?? []);
  // s3rver's registry is only consulted for requests that carry credentials; the gate strips
  // them, so registering the pair just keeps s3rver consistent if it ever sees one.
  s3rverAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const onListenerError =
    options.onListenerError ?? ((error: unknown) => console.error('[local-s3] an ObjectCreated listener failed:', error));
  const secretFor = (accessKeyId: string): string | undefined =>
    accessKeyId === credentials.accessKeyId ? credentials.secretAccessKey : undefined;

  reapStaleRunDirectories();
  const run = createRunDirectory();
  const directory = run.directory;
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // Host names are never bucket names here: a LAN host name must not turn into a vhost bucket.
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  guardStore(backend, directory);
  // s3rver is a Koa app: trusting X-Forwarded-For lets event records carry the uploader's address.
  Object.assign(backend, { proxy: true });
  const backendAddress = await backend.run().catch((error: unknown) => {
    run.remove();
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

  const corsHeaders = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    if (origin === undefined || !corsOrigins.has(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'ETag, Location',
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    };
  };

  const forward = (
    request: IncomingMessage,
    response: ServerResponse,
    target: { path: string; headers: IncomingHttpHeaders; body: Buffer },
  ): void => {
    const headers: IncomingHttpHeaders = { ...target.headers };
    headers['x-forwarded-for'] = request.socket.remoteAddress ?? '127.0.0.1';
    // Keeps the Location header s3rver builds pointing at this gateway rather than at s3rver.
    if (request.headers.host !== undefined) headers['x-forwarded-host'] = request.headers.host;
    delete headers['transfer-encoding'];
    delete headers.origin;
    headers['content-length'] = String(target.body.length);
    const upstream = httpRequest(
      { host: '127.0.0.1', port: backendPort, method: request.method, path: target.path, headers, agent: upstreamAgent },
      (upstreamResponse) => {
        // s3rver ignores If-Match; S3 answers 412 when the object's ETag is not the one asked
        // for. Judged on the response being served, so the check and the bytes are one object.
        const ifMatch = request.headers['if-match'];
        const status = upstreamResponse.statusCode ?? 502;
        if (ifMatch !== undefined && status >= 200 && status < 300 && !etagMatches(ifMatch, upstreamResponse.headers.etag)) {
          upstreamResponse.resume();
          sendS3Error(
            response,
            new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
              Condition: 'If-Match',
            }),
            corsHeaders(request),
          );
          return;
        }
        const responseHeaders: IncomingHttpHeaders = { ...upstreamResponse.headers, ...corsHeaders(request) };
        response.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
        upstreamResponse.pipe(response);
        upstreamResponse.on('error', () => response.destroy());
      },
    );
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else sendS3Error(response, new S3Error(500, 'InternalError', 'The local S3 backend failed.'), corsHeaders(request));
    });
    upstream.end(target.body);
  };

  const readLimited = (request: IncomingMessage): Promise<Buffer> =>
    readBody(request, maxPostBytes).catch((error: unknown) => {
      if (error instanceof RequestTooLargeError) {
        throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
          MaxSizeAllowed: String(maxPostBytes),
        });
      }
      throw new ClientGoneError();
    });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'OPTIONS') {
      answerPreflight(request, response, corsOrigins);
      return;
    }
    const url = splitRequestTarget(request.url);
    const target = parseTarget(url);
    if (isPostForm(request, url, target)) {
      const body = await readLimited(request);
      const form = await checkPostForm({
        bucket: target.bucket,
        contentType: request.headers['content-type'],
        body,
        region,
        secretFor,
        now: new Date(),
      });
      const headers: IncomingHttpHeaders = { ...stripAuthentication(request.headers), 'content-type': form.contentType };
      forward(request, response, { path: `/${encodeURIComponent(bucket)}`, headers, body: form.body });
      return;
    }
    const signed = await verifySignedRequest(request, url, { region, secretFor, now: new Date() });
    // Only after the signature: S3 says AccessDenied, not NoSuchBucket, to a stranger.
    if (target.bucket !== bucket) {
      throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: target.bucket });
    }
    const body = await readLimited(request);
    checkPayloadHash(signed.payloadHash, body);
    forward(request, response, {
      path: canonicalPath(target) + forwardedQuery(url),
      headers: stripAuthentication(request.headers),
      body,
    });
  };

  const front = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof ClientGoneError || request.socket.destroyed || response.headersSent) {
        response.destroy();
        return;
      }
      const s3Error = error instanceof S3Error ? error : new S3Error(500, 'InternalError', 'We encountered an internal error.');
      // A request refused before its body was read: answer, discard the rest, close the connection.
      if (!request.complete) response.setHeader('connection', 'close');
      sendS3Error(response, s3Error, corsHeaders(request));
      request.resume();
    });
  });
  // A malformed request line or header never reaches the handler: answer 400 and keep serving.
  front.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  const port = await listen(front, options.port ?? 0, host).catch(async (error: unknown) => {
    upstreamAgent.destroy();
    await backend.close();
    run.remove();
    throw error;
  });

  return {
    endpoint: `http://${host}:${port}`,
    bucket,
    region,
    credentials,
    directory,
    allowOrigins: (origins) => {
      for (const origin of origins) corsOrigins.add(origin);
    },
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
      run.remove();
    },
  };
}

/** An If-Match list (`*`, or quoted or bare ETags, comma-separated) against the object's ETag. */
export function etagMatches(ifMatch: string, etag: string | undefined): boolean {
  const bare = (value: string) =>
    value
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
  const wanted = ifMatch.split(',').map(bare);
  return wanted.includes('*') || (etag !== undefined && wanted.includes(bare(etag)));
}

/** The request's socket closed before its body arrived: there is nobody to answer. */
class ClientGoneError extends GatewayError {
  constructor() {
    super('The client went away before the request body arrived');
  }
}

// ---------------------------------------------------------------------------------------------
// Per-run data directory
// ---------------------------------------------------------------------------------------------

/**
 * A directory under the OS temp dir holding this process id. It is removed on close, and at
 * exit (SIGINT/SIGTERM handlers that call close, or a plain exit) by a synchronous exit hook;
 * one left by a killed process is reaped by the next start once that process is gone.
 */
function createRunDirectory(): { directory: string; remove: () => void } {
  const directory = join(tmpdir(), `${RUN_DIR_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(directory, { mode: 0o700 });
  writeFileSync(join(directory, OWNER_FILE), String(process.pid));
  if (liveRunDirectories.size === 0) process.on('exit', removeLiveRunDirectories);
  liveRunDirectories.add(directory);
  const remove = (): void => {
    rmSync(directory, { recursive: true, force: true });
    liveRunDirectories.delete(directory);
    if (liveRunDirectories.size === 0) process.off('exit', removeLiveRunDirectories);
  };
  return { directory, remove };
}

/** One exit hook for all gateways of the process (one each would trip the listener-leak warning). */
const liveRunDirectories = new Set<string>();

function removeLiveRunDirectories(): void {
  for (const directory of liveRunDirectories) rmSync(directory, { recursive: true, force: true });
}

function reapStaleRunDirectories(): void {
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((name) => name.startsWith(RUN_DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of entries) {
    const directory = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(directory, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not ours, or being created right now
    }
    if (Number.isSafeInteger(owner) && owner > 0 && !processAlive(owner)) {
      rmSync(directory, { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// The store behind the gate
// ---------------------------------------------------------------------------------------------

interface S3rverObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | NodeJS.ReadableStream;
  readonly metadata: Record<string, string>;
}

interface S3rverStore {
  getResourcePath(bucket: string, key?: string, resource?: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

/**
 * Defence in depth inside s3rver's filesystem store: every path it derives from a bucket and key
 * must stay inside the data directory, and an object write reports a failed file stream (the
 * directory removed by a concurrent delete, a full disk) as a failed request instead of an
 * unhandled 'error' event that would take the whole process down.
 */
function guardStore(backend: S3rver, directory: string): void {
  const store = (backend as unknown as { store: S3rverStore }).store;
  const root = resolve(directory) + sep;
  const resourcePath = store.getResourcePath.bind(store);
  store.getResourcePath = (bucketName, key, resource) => {
    const path = resourcePath(bucketName, key, resource);
    if (!resolve(path).startsWith(root)) throw new Error('The object path leaves the data directory');
    return path;
  };
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    await new Promise<void>((resolvePromise, reject) => {
      const file = createWriteStream(objectPath);
      const { content } = object;
      file.on('finish', () => resolvePromise());
      file.on('error', (error) => {
        // Drain what is still arriving, so the request (and its kept-alive socket) completes.
        if (!Buffer.isBuffer(content)) {
          content.unpipe(file);
          content.resume();
        }
        reject(error);
      });
      if (Buffer.isBuffer(content)) {
        md5.update(content);
        size = content.length;
        file.end(content);
        return;
      }
      content.on('data', (chunk: Buffer) => {
        md5.update(chunk);
        size += chunk.length;
      });
      content.on('error', (error) => {
        file.destroy();
        reject(error);
      });
      content.pipe(file);
    });
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

// ---------------------------------------------------------------------------------------------
// Request targets and keys
// ---------------------------------------------------------------------------------------------

interface Target {
  readonly bucket: string;
  /** undefined for a bucket-level request. */
  readonly key: string | undefined;
}

/** The request target as sent: a WHATWG URL would resolve `..` and `%2e` segments before the gate saw them. */
interface RequestTarget {
  readonly path: string;
  readonly search: string;
  readonly searchParams: URLSearchParams;
}

function splitRequestTarget(requestUrl: string | undefined): RequestTarget {
  const raw = requestUrl ?? '/';
  if (!raw.startsWith('/')) throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const queryStart = raw.indexOf('?');
  const path = queryStart < 0 ? raw : raw.slice(0, queryStart);
  const search = queryStart < 0 ? '' : raw.slice(queryStart);
  return { path, search, searchParams: new URLSearchParams(search) };
}

/** Bucket and key of a path-style request; refuses keys that could name a path outside the store. */
function parseTarget(url: RequestTarget): Target {
  const match = /^\/([^/]*)(?:\/(.*))?$/.exec(url.path);
  if (match === null) throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  const bucketName = decodeStrict(match[1] ?? '');
  if (bucketName === '') return { bucket: '', key: undefined };
  const rawKey = match[2];
  if (rawKey === undefined || rawKey === '') return { bucket: bucketName, key: undefined };
  const key = decodeStrict(rawKey);
  checkKey(key);
  return { bucket: bucketName, key };
}

function decodeStrict(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/**
 * Keys are file paths in the store: a `.` or `..` segment, an empty segment (leading, doubled or
 * trailing slash), a backslash, or a control character (NUL included) is refused.
 */
export function checkKey(key: string): void {
  const refuse = (): never => {
    throw new S3Error(400, 'InvalidArgument', 'The key is not allowed by the local S3 gateway.', { ArgumentName: 'key' });
  };
  if (key.length === 0 || Buffer.byteLength(key) > 1024) refuse();
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(key)) refuse();
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') refuse();
  }
}

/** The path as s3rver must read it: each segment percent-encoded once, nothing left to interpret. */
function canonicalPath(target: Target): string {
  const bucketPart = `/${encodeURIComponent(target.bucket)}`;
  if (target.key === undefined) return bucketPart;
  return `${bucketPart}/${target.key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The query without credentials (sub-resources and response-header overrides stay). */
function forwardedQuery(url: RequestTarget): string {
  const kept = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    if (!name.toLowerCase().startsWith('x-amz-')) kept.append(name, value);
  }
  const query = kept.toString();
  return query === '' ? '' : `?${query}`;
}

/** Headers that authenticate a request; other x-amz-* headers (metadata, copy source) are the request itself. */
const AUTHENTICATION_HEADERS = new Set(['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']);

/** s3rver runs its own partial signature check on credentials it sees: the gate has verified them, so they go. */
function stripAuthentication(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!AUTHENTICATION_HEADERS.has(name)) kept[name] = value;
  }
  return kept;
}

/** A browser-style POST Object request: POST /bucket with no sub-resource and no credentials. */
function isPostForm(request: IncomingMessage, url: RequestTarget, target: Target): boolean {
  if (request.method !== 'POST' || target.key !== undefined || request.headers.authorization !== undefined) return false;
  return url.search === '' && target.bucket !== '';
}

// ---------------------------------------------------------------------------------------------
// CORS
// ---------------------------------------------------------------------------------------------

/** As the deployed bucket's rule: POST from the configured origins, any request header, 3000 s. */
function answerPreflight(request: IncomingMessage, response: ServerResponse, origins: ReadonlySet<string>): void {
  const origin = request.headers.origin;
  const method = request.headers['access-control-request-method'];
  if (origin === undefined || method === undefined) {
    throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
  }
  if (!origins.has(origin) || method !== 'POST') {
    // Refused without CORS headers, so the browser blocks the request that would follow.
    const refusal = new S3Error(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed.', {
      Method: method,
      ResourceType: 'OBJECT',
    });
    sendS3Error(response, refusal, {});
    return;
  }
  const requestHeaders = request.headers['access-control-request-headers'];
  response.writeHead(200, {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST',
    ...(requestHeaders !== undefined ? { 'access-control-allow-headers': requestHeaders } : {}),
    'access-control-max-age': '3000',
    'access-control-expose-headers': 'ETag, Location',
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    'content-length': '0',
  });
  response.end();
}

// ---------------------------------------------------------------------------------------------
// POST policy enforcement
// ---------------------------------------------------------------------------------------------

/** An S3 error response: status, code and message as S3 sends them, plus extra XML elements. */
export class S3Error extends GatewayError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
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

/**
 * Throws the S3Error real S3 would answer with; when S3 would accept the form, returns it
 * re-encoded canonically (the checked fields, then the file) for the store to read.
 */
export async function checkPostForm(check: PostFormCheck): Promise<{ contentType: string; body: Buffer }> {
  if (check.contentType === undefined || !/^multipart\/form-data\s*;/i.test(check.contentType)) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
    });
  }
  let parts: FormPart[];
  try {
    parts = parseMultipartForm(check.contentType, check.body);
  } catch (error) {
    throw error instanceof S3Error ? error : malformed('unreadable');
  }

  // S3 reads fields up to the file and ignores everything after it. Names are case-insensitive;
  // a repeated field is refused, so no reader can pick another copy than the one checked here.
  const fields = new Map<string, string>();
  const ordered: (readonly [string, string])[] = [];
  const file = parts.find((part) => part.name === 'file');
  for (const part of parts) {
    if (part === file) break;
    const lower = part.name.toLowerCase();
    if (lower === 'file' || part.filename !== undefined || !/^[\x21-\x7e]+$/.test(part.name)) {
      throw new S3Error(400, 'InvalidArgument', `POST form field ${part.name} must be a plain field`);
    }
    if (fields.has(lower)) throw new S3Error(400, 'InvalidArgument', `POST form field ${part.name} appears more than once`);
    let value: string;
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(part.value);
    } catch {
      throw new S3Error(400, 'InvalidArgument', `POST form field ${part.name} is not UTF-8`);
    }
    fields.set(lower, value);
    // Lower-cased: S3 reads names case-insensitively, s3rver does not (it would miss a `Key`).
    ordered.push([lower, value]);
  }
  if (file === undefined) {
    throw new S3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', {
      ArgumentName: 'file',
      ArgumentValue: '0',
    });
  }
  const fileSize = file.value.length;

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
  const key = fields.get('key');
  if (key === undefined) {
    throw new S3Error(400, 'InvalidArgument', "Bucket POST must contain a field named 'key'.", { ArgumentName: 'key' });
  }
  if (key.includes('${filename}')) {
    // Our keys are fixed; substituting the file name would be one more way to read a form.
    throw new S3Error(501, 'NotImplemented', 'Keys with ${filename} are not supported by the local S3 gateway.');
  }
  checkKey(key);

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
  return encodeCanonicalForm(ordered, file);
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

function sendS3Error(response: ServerResponse, error: S3Error, cors: Readonly<Record<string, string>>): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const extra = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${extra}` +
    `<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
  // The bucket's CORS rule applies to error responses too, so a browser can read why it failed.
  response.writeHead(error.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    ...cors,
  });
  response.end(body);
}

/** Element content only, so quotes stay literal as in S3's own messages. */
function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---------------------------------------------------------------------------------------------
// SigV4 verification of SDK requests and presigned URLs
// ---------------------------------------------------------------------------------------------

interface SignedRequestCheck {
  readonly region: string;
  readonly secretFor: (accessKeyId: string) => string | undefined;
  readonly now: Date;
}

/** S3 accepts a header-signed request up to 15 minutes from its X-Amz-Date. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_EXPIRY_SECONDS = 7 * 24 * 3600;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

const accessDenied = (): S3Error => new S3Error(403, 'AccessDenied', 'Access Denied');
const signatureMismatch = (accessKeyId: string): S3Error =>
  new S3Error(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    { AWSAccessKeyId: accessKeyId },
  );

/**
 * Recomputes the request's SigV4 signature with the one known key pair (the SDK's own signer
 * builds the canonical request) and compares in constant time. Returns the payload hash the
 * signature covers; an unsigned request is refused as S3 refuses an anonymous one on a private
 * bucket.
 */
async function verifySignedRequest(
  request: IncomingMessage,
  url: RequestTarget,
  check: SignedRequestCheck,
): Promise<{ readonly payloadHash: string }> {
  const authorization = request.headers.authorization;
  const presigned = url.searchParams.has('X-Amz-Signature') || url.searchParams.has('X-Amz-Algorithm');
  if (authorization !== undefined && presigned) {
    throw new S3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed', { ArgumentName: 'Authorization' });
  }
  if (authorization !== undefined) return verifyHeaderSignature(request, url, authorization, check);
  if (presigned) {
    await verifyQuerySignature(request, url, check);
    return { payloadHash: UNSIGNED_PAYLOAD };
  }
  throw accessDenied();
}

interface Credential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly secret: string;
}

function parseCredential(credential: string, check: SignedRequestCheck): Credential {
  const [accessKeyId, date, credentialRegion, service, terminator, ...rest] = credential.split('/');
  if (
    accessKeyId === undefined ||
    date === undefined ||
    !/^\d{8}$/.test(date) ||
    credentialRegion === undefined ||
    service !== 's3' ||
    terminator !== 'aws4_request' ||
    rest.length > 0
  ) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  }
  if (credentialRegion !== check.region) {
    throw new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${credentialRegion}' is wrong; expecting '${check.region}'`,
      { Region: check.region },
    );
  }
  const secret = check.secretFor(accessKeyId);
  if (secret === undefined) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', {
      AWSAccessKeyId: accessKeyId,
    });
  }
  return { accessKeyId, date, secret };
}

/** 20240102T030405Z → Date, or undefined. */
function parseAmzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

type SignableRequest = Parameters<SignatureV4['presign']>[0];

/** The request as the client signed it: the raw path, the decoded query, only the signed headers. */
function signableRequest(
  request: IncomingMessage,
  url: RequestTarget,
  signedHeaders: readonly string[],
  omitQuery: (name: string) => boolean,
): SignableRequest {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined)
      throw new S3Error(403, 'AccessDenied', `There were headers present in the request which were not signed: ${name}`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    if (omitQuery(name)) continue;
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { method: request.method ?? 'GET', protocol: 'http:', hostname: 'local', path: url.path, query, headers };
}

function signerFor(credential: Credential, region: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secret },
    region,
    service: 's3',
    sha256: NodeSha256,
    // S3 signs the path as sent (already encoded once), like the S3 client's own signer.
    uriEscapePath: false,
    applyChecksum: true,
  });
}

function sameSignature(provided: string, expected: string): boolean {
  const a = Buffer.from(/^[0-9a-f]{64}$/.test(provided) ? provided : '', 'hex');
  const b = Buffer.from(expected, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

async function verifyHeaderSignature(
  request: IncomingMessage,
  url: RequestTarget,
  authorization: string,
  check: SignedRequestCheck,
): Promise<{ readonly payloadHash: string }> {
  const match = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (match === null) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  const credential = parseCredential(match[1] ?? '', check);
  const signedHeaders = (match[2] ?? '').split(';');
  if (!signedHeaders.includes('host')) throw accessDenied();
  const amzDate = request.headers['x-amz-date'];
  const signingDate = parseAmzDate(Array.isArray(amzDate) ? undefined : amzDate);
  if (signingDate === undefined || !signedHeaders.includes('x-amz-date')) {
    throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  if (Math.abs(check.now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (typeof payloadHash !== 'string' || !signedHeaders.includes('x-amz-content-sha256')) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const signed = await signerFor(credential, check.region).sign(
    signableRequest(request, url, signedHeaders, () => false),
    {
      signingDate,
      signableHeaders: new Set(signedHeaders),
    },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1];
  if (expected === undefined || credential.date !== amzDateDay(signingDate) || !sameSignature(match[3] ?? '', expected)) {
    throw signatureMismatch(credential.accessKeyId);
  }
  return { payloadHash };
}

async function verifyQuerySignature(request: IncomingMessage, url: RequestTarget, check: SignedRequestCheck): Promise<void> {
  const param = (name: string): string => {
    const values = url.searchParams.getAll(name);
    if (values.length !== 1 || values[0] === undefined || values[0] === '') {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        `Query-string authentication requires exactly one ${name} parameter.`,
      );
    }
    return values[0];
  };
  if (param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const credential = parseCredential(param('X-Amz-Credential'), check);
  const signingDate = parseAmzDate(param('X-Amz-Date'));
  const expiresText = param('X-Amz-Expires');
  const expiresIn = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : Number.NaN;
  if (signingDate === undefined || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGNED_EXPIRY_SECONDS) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Date or X-Amz-Expires is malformed.');
  }
  if (check.now.getTime() > signingDate.getTime() + expiresIn * 1000) {
    throw new S3Error(403, 'AccessDenied', 'Request has expired', {
      'X-Amz-Expires': expiresText,
      Expires: new Date(signingDate.getTime() + expiresIn * 1000).toISOString(),
      ServerTime: check.now.toISOString(),
    });
  }
  if (signingDate.getTime() - check.now.getTime() > MAX_CLOCK_SKEW_MS) {
    throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
  }
  const signedHeaders = param('X-Amz-SignedHeaders').split(';');
  if (!signedHeaders.includes('host')) throw accessDenied();
  const signature = param('X-Amz-Signature');
  const toSign = signableRequest(request, url, signedHeaders, (name) => name === 'X-Amz-Signature');
  // A presigned URL's payload is never signed; the hash header steers the signer and is not signed itself.
  const payloadHeader = 'x-amz-content-sha256';
  const signsPayloadHeader = signedHeaders.includes(payloadHeader);
  if (!signsPayloadHeader) toSign.headers[payloadHeader] = UNSIGNED_PAYLOAD;
  const presigned = await signerFor(credential, check.region).presign(toSign, {
    signingDate,
    expiresIn,
    signableHeaders: new Set(signedHeaders),
    unsignableHeaders: signsPayloadHeader ? new Set() : new Set([payloadHeader]),
    unhoistableHeaders: new Set([...signedHeaders, payloadHeader]),
  });
  const expected = presigned.query?.['X-Amz-Signature'];
  if (
    typeof expected !== 'string' ||
    credential.date !== amzDateDay(signingDate) ||
    presigned.query?.['X-Amz-SignedHeaders'] !== signedHeaders.join(';') ||
    !sameSignature(signature, expected)
  ) {
    throw signatureMismatch(credential.accessKeyId);
  }
}

function amzDateDay(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

/** The signed payload hash must be the body's (UNSIGNED-PAYLOAD opts out, as in S3). */
function checkPayloadHash(payloadHash: string, body: Buffer): void {
  if (payloadHash === UNSIGNED_PAYLOAD) return;
  if (payloadHash.startsWith('STREAMING-')) {
    throw new S3Error(501, 'NotImplemented', 'Chunked (aws-chunked) uploads are not supported by the local S3 gateway.');
  }
  const actual = createHash('sha256').update(body).digest('hex');
  if (actual !== payloadHash) {
    throw new S3Error(
      400,
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      {
        ClientComputedContentSHA256: payloadHash,
        S3ComputedContentSHA256: actual,
      },
    );
  }
}

/** The Checksum the SDK's signer takes, on node:crypto (a keyed one is an HMAC); tests sign with it too. */
export class NodeSha256 {
  private hash;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = NodeSha256.start(secret);
  }
  private static start(secret: string | ArrayBuffer | ArrayBufferView | undefined) {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = NodeSha256.start(this.secret);
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

// ---------------------------------------------------------------------------------------------
// Multipart forms: one strict reading, one canonical re-encoding
// ---------------------------------------------------------------------------------------------

interface FormPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly value: Buffer;
}

const malformed = (detail: string): S3Error =>
  new S3Error(400, 'MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${detail}`);

/** RFC 2046 boundary characters. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/;
/** A token or a quoted string without escapes, control characters or line breaks. */
// eslint-disable-next-line no-control-regex
const PARAMETER = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"([^"\\\u0000-\u001f\u007f]*)"|([A-Za-z0-9!#$%&'*+.^_`|~-]+))\s*$/;

function parseBoundary(contentType: string): string {
  const [type, ...parameters] = contentType.split(';');
  if (type?.trim().toLowerCase() !== 'multipart/form-data') throw malformed('not multipart/form-data');
  const boundaries: string[] = [];
  for (const parameter of parameters) {
    const match = PARAMETER.exec(parameter);
    if (match === null) throw malformed('unreadable Content-Type parameter');
    if (match[1]?.toLowerCase() === 'boundary') boundaries.push(match[2] ?? match[3] ?? '');
  }
  const [boundary] = boundaries;
  if (boundaries.length !== 1 || boundary === undefined || !BOUNDARY.test(boundary) || boundary.endsWith(' ')) {
    throw malformed('missing, repeated or invalid boundary');
  }
  return boundary;
}

/**
 * Reads every part of a buffered multipart/form-data body. Anything two readers could read
 * differently is refused: a repeated or unknown part header, a folded header line, a
 * Content-Disposition with repeated or extended (`name*=`) parameters, escapes in quoted names,
 * a missing closing delimiter.
 */
export function parseMultipartForm(contentType: string, body: Buffer): FormPart[] {
  const boundary = parseBoundary(contentType);
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, opening.length).equals(opening)) throw malformed('the body does not start with the boundary');
  let position = opening.length;
  const parts: FormPart[] = [];
  for (;;) {
    const after = body.subarray(position, position + 2).toString('latin1');
    if (after === '--') break;
    if (after !== '\r\n') throw malformed('a boundary is not followed by a line break');
    const start = position + 2;
    const end = body.indexOf(delimiter, start);
    if (end < 0) throw malformed('the closing boundary is missing');
    parts.push(parsePart(body.subarray(start, end)));
    position = end + delimiter.length;
  }
  return parts;
}

function parsePart(part: Buffer): FormPart {
  const headerEnd = part.indexOf('\r\n\r\n');
  if (headerEnd < 0) throw malformed('a part has no header section');
  const headers = new Map<string, string>();
  for (const line of part.subarray(0, headerEnd).toString('latin1').split('\r\n')) {
    const match = /^([A-Za-z0-9-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (match === null) throw malformed('a part header line is unreadable');
    const name = (match[1] ?? '').toLowerCase();
    if (name !== 'content-disposition' && name !== 'content-type') throw malformed(`unexpected part header ${name}`);
    if (headers.has(name)) throw malformed(`a part has more than one ${name} header`);
    headers.set(name, match[2] ?? '');
  }
  const disposition = headers.get('content-disposition');
  if (disposition === undefined) throw malformed('a part has no Content-Disposition');
  const [kind, ...parameters] = disposition.split(';');
  if (kind?.trim().toLowerCase() !== 'form-data') throw malformed('a part is not form-data');
  const values = new Map<string, string>();
  for (const parameter of parameters) {
    const match = PARAMETER.exec(parameter);
    const name = match?.[1]?.toLowerCase();
    if (match === null || (name !== 'name' && name !== 'filename') || values.has(name)) {
      throw malformed('an unreadable, unknown or repeated Content-Disposition parameter');
    }
    values.set(name, match[2] ?? match[3] ?? '');
  }
  const name = values.get('name');
  if (name === undefined || name === '') throw malformed('a part has no name');
  const contentType = headers.get('content-type');
  if (contentType !== undefined && !/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\\]*"|[\w.+-]+))*$/.test(contentType)) {
    throw malformed('a part has an unreadable Content-Type');
  }
  return { name, filename: values.get('filename'), contentType, value: part.subarray(headerEnd + 4) };
}

/** The form s3rver is given: the checked fields and the file, nothing else, in one plain encoding. */
function encodeCanonicalForm(
  fields: readonly (readonly [string, string])[],
  file: FormPart,
): { contentType: string; body: Buffer } {
  const boundary = `liveness-gate-${randomBytes(16).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\n` +
        `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      'utf8',
    ),
    file.value,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
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
