/**
 * Small helpers shared by the local stand-ins: listen on a port (0 = any free one) and close a
 * server without waiting for clients' keep-alive sockets.
 */
import type { IncomingMessage, Server } from 'node:http';

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

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients and fetch keep sockets alive; without this the close waits for their timeout.
    server.closeAllConnections();
  });
}

export class RequestTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes`);
    this.name = 'RequestTooLargeError';
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
