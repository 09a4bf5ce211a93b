// Node transport for the upload forms: node:http(s) with the body's Content-Length set up front
// (S3 refuses chunked POST bodies) and progress reported as each chunk is handed to the socket.
// Kept out of the browser entry: it imports node: modules.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AbortedError, TransportError } from '../errors';
import { encodeMultipart, type UploadData } from '../multipart';
import type { UploadResponse, UploadTransport } from '../upload';

const CHUNK_BYTES = 64 * 1024;

export const nodeUploadTransport: UploadTransport = (upload) =>
  new Promise<UploadResponse>((resolve, reject) => {
    if (upload.signal?.aborted) {
      reject(new AbortedError(upload.signal.reason));
      return;
    }
    const body = encodeMultipart(upload.fields, upload.file);
    const url = new URL(upload.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    let answered = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      upload.signal?.removeEventListener('abort', onAbort);
      outcome();
    };

    const request: ClientRequest = send(url, {
      method: 'POST',
      headers: { 'content-type': body.contentType, 'content-length': String(body.length) },
    });
    const onAbort = (): void => {
      request.destroy();
      finish(() => reject(new AbortedError(upload.signal?.reason)));
    };
    upload.signal?.addEventListener('abort', onAbort, { once: true });

    request.on('response', (response: IncomingMessage) => {
      // S3 may answer a refused form before the whole body is sent; the answer is what counts.
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        finish(() => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })),
      );
      response.on('error', (error) =>
        finish(() => reject(new TransportError(`POST ${upload.url}: ${error.message}`, { cause: error }))),
      );
    });
    request.on('error', (error) => {
      if (answered) return;
      finish(() => reject(new TransportError(`POST ${upload.url} failed: ${error.message}`, { cause: error })));
    });

    let loaded = 0;
    upload.onProgress(0, body.length);
    const write = (chunk: Uint8Array): Promise<void> =>
      new Promise((done, fail) => {
        const flushed = request.write(chunk, (error) => {
          if (error) {
            fail(error);
            return;
          }
          loaded += chunk.byteLength;
          upload.onProgress(loaded, body.length);
        });
        if (flushed) done();
        else request.once('drain', done);
      });

    void (async () => {
      for (const segment of body.segments) {
        for await (const chunk of chunksOf(segment)) {
          if (settled || answered) return;
          await write(chunk);
        }
      }
      request.end();
    })().catch((error: unknown) => {
      if (answered) return;
      request.destroy();
      const message = error instanceof Error ? error.message : String(error);
      finish(() => reject(new TransportError(`POST ${upload.url} failed while sending: ${message}`, { cause: error })));
    });
  });

async function* chunksOf(data: UploadData): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) {
    for (let offset = 0; offset < data.byteLength; offset += CHUNK_BYTES) yield data.subarray(offset, offset + CHUNK_BYTES);
    return;
  }
  // A Blob from fs.openAsBlob streams from disk; its chunk sizes are the reader's.
  const reader = data.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (let offset = 0; offset < value.byteLength; offset += CHUNK_BYTES) yield value.subarray(offset, offset + CHUNK_BYTES);
  }
}
