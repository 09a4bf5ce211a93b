// `liveness webhooks listen`: a small receiver for the gateway's outcome webhooks, to see them
// arrive while developing. It verifies each delivery exactly as a real receiver should (the
// client's verifyWebhook) and says why it refused one, in its answer and on stderr.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  verifyWebhook,
  WebhookSecretError,
  WebhookVerificationError,
  type VerifiedOutcomeEvent,
} from '../src/client/node/webhooks';
import { webhookSecretKey } from '../src/events/standard-webhooks';
import { parseCommandLine, UsageError } from './args';
import type { CliIo } from './main';

export const LISTEN_USAGE = `Usage: liveness webhooks listen [--port <n>] [--host <address>] [--secret <whsec_...>] [--json]

Receives the gateway's outcome webhooks, verifies each signature (Standard Webhooks, timestamp
within 5 minutes) and prints the events. Answers 204 to a valid delivery and 401 with the reason
to any other. Point the local stack at it: WEBHOOK_URL=http://127.0.0.1:<port>/ npm start

Options:
  --port <n>             port to listen on (default 4000; 0 picks a free one)
  --host <address>       address to listen on (default 127.0.0.1)
  --secret <whsec_...>   the webhook secret; repeat it during a key rotation. Default: the
                         WEBHOOK_SECRET environment variable (safer: arguments show in ps)
  --json                 print each verified event as one JSON line
  -h, --help             show this help

Runs until interrupted (Ctrl-C), then exits 0. Exit codes: 2 usage error; 3 cannot listen.
`;

const MAX_BODY_BYTES = 1024 * 1024;
const SEEN_IDS_KEPT = 10_000;

interface ListenCommand {
  readonly port: number;
  readonly host: string;
  readonly secrets: readonly string[];
  readonly json: boolean;
}

/** `liveness webhooks ...` (argv starts with "webhooks"). */
export async function webhooksMain(argv: readonly string[], io: CliIo): Promise<number> {
  let command: ListenCommand | 'help';
  try {
    command = parseListen(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`liveness: ${error.message}\n\n${LISTEN_USAGE}`);
    return 2;
  }
  if (command === 'help') {
    io.stdout.write(LISTEN_USAGE);
    return 0;
  }
  return listen(command, io);
}

function parseListen(argv: readonly string[], env: CliIo['env']): ListenCommand | 'help' {
  const values = parseCommandLine(argv, ['webhooks', 'listen'], {
    port: { type: 'string', default: '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    secret: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values === 'help') return 'help';
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0 to 65535, got "${values.port}"`);
  const secrets = values.secret ?? (env.WEBHOOK_SECRET ? [env.WEBHOOK_SECRET] : []);
  if (secrets.length === 0) throw new UsageError('give --secret <whsec_...> or set WEBHOOK_SECRET');
  for (const secret of secrets) {
    try {
      webhookSecretKey(secret);
    } catch (error) {
      // The message says what a secret looks like, never the value given.
      if (error instanceof WebhookSecretError) throw new UsageError(error.message);
      throw error;
    }
  }
  return { port, host: values.host, secrets, json: values.json };
}

async function listen(command: ListenCommand, io: CliIo): Promise<number> {
  const seen = new Set<string>();
  const server = createServer((request, response) => {
    receive(request, response, command, io, seen).catch((error: unknown) => {
      io.stderr.write(`could not receive a delivery: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(command.port, command.host, resolve);
    });
  } catch (error) {
    io.stderr.write(
      `liveness: cannot listen on ${command.host}:${command.port}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 3;
  }
  const { port } = server.address() as AddressInfo;
  const host = command.host.includes(':') ? `[${command.host}]` : command.host;
  io.stderr.write(`listening on http://${host}:${port}/ (Ctrl-C to stop)\n`);

  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return 0;
}

async function receive(request: IncomingMessage, response: ServerResponse, command: ListenCommand, io: CliIo, seen: Set<string>) {
  const answer = (status: number, code?: string, message?: string): void => {
    response.writeHead(status, code ? { 'content-type': 'application/json' } : {});
    response.end(code ? JSON.stringify({ error: { code, message } }) : undefined);
  };
  if (request.method !== 'POST') return answer(405, 'METHOD_NOT_ALLOWED', 'webhooks are POSTed');

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return answer(413, 'BODY_TOO_LARGE', `a webhook body is at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }

  let delivery: VerifiedOutcomeEvent;
  try {
    delivery = verifyWebhook(request.headers, Buffer.concat(chunks), command.secrets);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    io.stderr.write(`refused a delivery: ${error.reason} (${error.message})\n`);
    return answer(401, error.reason, error.message);
  }

  if (seen.has(delivery.id)) {
    io.stderr.write(`duplicate delivery of ${delivery.id} (already printed)\n`);
    return answer(204);
  }
  if (seen.size >= SEEN_IDS_KEPT) seen.clear();
  seen.add(delivery.id);
  io.stdout.write(command.json ? `${JSON.stringify(delivery.event)}\n` : formatEvent(delivery));
  return answer(204);
}

/** One line per event; externalRef is left out, as from every log. */
export function formatEvent({ id, event }: VerifiedOutcomeEvent): string {
  const { data } = event;
  const codes = data.reasons.map((reason) => reason.code).join(',');
  const outcome = [data.decision ?? data.status, codes].filter((part) => part !== '').join(' ');
  return `${event.type}  check ${data.checkId}  ${outcome}  (${data.provider}, ${id})\n`;
}
