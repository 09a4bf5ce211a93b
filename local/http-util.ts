/**
 * Small helpers shared by the local stand-ins: listen on a port (0 = any free one) and close a
 * server without waiting for clients' keep-alive sockets.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GatewayError } from '../src/core/errors';

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Server is not listening on a TCP port');
  return address.port;
}

export function closeServer(server: Server, options: { readonly drainMs?: number } = {}): Promise<void> {
  const drainMs = options.drainMs ?? 0;
  if (drainMs <= 0) {
    return new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // SDK clients and fetch keep sockets alive; without this the close waits for their timeout.
      server.closeAllConnections();
    });
  }
  // Requests already in progress finish (their sockets go idle and are closed); whatever is still
  // open after drainMs is cut.
  return new Promise<void>((resolve, reject) => {
    const ticker = setInterval(() => server.closeIdleConnections(), 10);
    const deadline = setTimeout(() => server.closeAllConnections(), drainMs);
    server.close((error) => {
      clearInterval(ticker);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

export class RequestTooLargeError extends GatewayError {
  constructor(readonly limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes`);
  }
}

/** Buffers a request body, refusing more than limitBytes (the stream is drained, not left hanging). */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    if (!Buffer.isBuffer(chunk)) continue;
    total += chunk.length;
    if (total > limitBytes) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  if (tooLarge) throw new RequestTooLargeError(limitBytes);
  return Buffer.concat(chunks);
}
