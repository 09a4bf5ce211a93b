// How an upload form reaches S3. The session picks a transport; each one sends the same
// multipart body and reports progress in bytes of that body.
import { throwIfAborted } from './abort';
import { AbortedError, TransportError } from './errors';
import { describe } from './http';
import { encodeMultipart, type MultipartFile, type UploadData } from './multipart';

export interface UploadRequest {
  readonly url: string;
  /** The presigned fields plus Content-Type, in the order they must be sent. */
  readonly fields: Readonly<Record<string, string>>;
  readonly file: MultipartFile;
  /** Bytes of the request body sent so far, and the body's total. */
  readonly onProgress: (loaded: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface UploadResponse {
  readonly status: number;
  readonly body: string;
}

/** Sends one form; rejects only with AbortedError or TransportError (an HTTP error status is an answer). */
export type UploadTransport = (request: UploadRequest) => Promise<UploadResponse>;

/**
 * Browsers: XMLHttpRequest, the only browser API that reports upload progress. The body is a Blob
 * of the hand-built multipart segments, so the browser knows its length.
 */
export const xhrUploadTransport: UploadTransport = (request) =>
  new Promise((resolve, reject) => {
    throwIfAborted(request.signal);
    const body = encodeMultipart(request.fields, request.file);
    const xhr = new XMLHttpRequest();
    const onAbort = (): void => xhr.abort();
    const cleanUp = (): void => request.signal?.removeEventListener('abort', onAbort);
    xhr.open('POST', request.url);
    xhr.setRequestHeader('Content-Type', body.contentType);
    xhr.upload.onprogress = (event) => request.onProgress(event.loaded, event.lengthComputable ? event.total : body.length);
    xhr.onload = () => {
      cleanUp();
      resolve({ status: xhr.status, body: xhr.responseText });
    };
    xhr.onerror = () => {
      cleanUp();
      reject(new TransportError(`POST ${request.url} failed: network error`));
    };
    xhr.onabort = () => {
      cleanUp();
      reject(new AbortedError(request.signal?.reason));
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(new Blob(body.segments.map(asBlobPart)));
  });

/**
 * Anywhere with fetch but without XMLHttpRequest (workers, Deno, Node without the Node
 * transport): correct, but progress jumps from 0 to the total.
 */
export const fetchUploadTransport: UploadTransport = async (request) => {
  throwIfAborted(request.signal);
  const body = encodeMultipart(request.fields, request.file);
  request.onProgress(0, body.length);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': body.contentType },
      body: new Blob(body.segments.map(asBlobPart)),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const text = await response.text();
    request.onProgress(body.length, body.length);
    return { status: response.status, body: text };
  } catch (error) {
    if (request.signal?.aborted) throw new AbortedError(request.signal.reason);
    throw new TransportError(`POST ${request.url} failed: ${describe(error)}`, { cause: error });
  }
};

export function defaultUploadTransport(): UploadTransport {
  return typeof XMLHttpRequest === 'function' ? xhrUploadTransport : fetchUploadTransport;
}

// A Uint8Array over a SharedArrayBuffer is not a BlobPart in the DOM typings; copy it then.
function asBlobPart(segment: UploadData): BlobPart {
  if (!(segment instanceof Uint8Array)) return segment;
  return segment.buffer instanceof ArrayBuffer
    ? new Uint8Array(segment.buffer, segment.byteOffset, segment.byteLength)
    : segment.slice();
}

/** S3's XML error: `<Error><Code>EntityTooLarge</Code><Message>...</Message>...</Error>`. */
export function parseS3Error(body: string): { readonly code?: string; readonly message?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return { ...(code ? { code: unescapeXml(code) } : {}), ...(message ? { message: unescapeXml(message) } : {}) };
}

function unescapeXml(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
