// `liveness check`: one liveness check end to end from the command line — create it, upload the
// files straight to S3 with their presigned forms, wait for the outcome. Run through
// cli/liveness.js; `main` takes its arguments and streams so nothing here reads process globals.
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { PartName } from '../src/core/check';
import { MIME_TYPES, type ProviderProfile } from '../src/media/profiles';
import { PROVIDER_ADAPTERS, PROVIDER_IDS } from '../src/providers/registry';
import {
  AbortedError,
  CheckTimeoutError,
  InvalidResponseError,
  LivenessApiError,
  LivenessClient,
  nodeUploadTransport,
  TransportError,
  UploadRefusedError,
  type CheckResultResponse,
  type CheckStatusResponse,
  type CreateCheckRequest,
} from '../src/client/node';
import { parseCommandLine, UsageError } from './args';
import { createReporter, formatBytes } from './reporter';
import { auditMain } from './audit';
import { apiUrlOption, signerFor } from './api-target';
import { reviewMain } from './review-commands';
import { webhooksMain } from './webhooks-listen';

export const EXIT = { pass: 0, notPassed: 1, usage: 2, api: 3, interrupted: 130 } as const;

export const USAGE = `Usage: liveness check --video <file> [--reference <file>] [--selfie <file>] [options]

Runs one liveness check end to end: creates it, uploads the files straight to S3 with the
presigned forms, and waits for the outcome.

Media (give --video or --selfie, optionally --reference):
  --video <file>       selfie video: .mp4 .mov .mkv .webm
  --selfie <file>      selfie photo: .jpg .jpeg .png
  --reference <file>   ID photo to compare the face with: .jpg .jpeg .png
Options:
  --provider <id>      ${PROVIDER_IDS.join(', ')} (default: the deployment's default)
  --api <url>          API base URL (default $LIVENESS_API, else http://127.0.0.1:3000). Any
                       non-loopback URL is signed with SigV4 from the standard AWS credential
                       chain; the region comes from an execute-api URL, else AWS_REGION.
  --timeout <seconds>  how long to wait for the outcome (default 120)
  --json               print one JSON object on stdout and nothing else
  -h, --help           show this help

Files over the part's size limit or of a type it does not take are refused before anything is
created or sent. Sizes are in MiB (1 MiB = 1,048,576 bytes), the unit of the gateway's limits.

Exit codes: 0 PASS; 1 FAIL, RETRY, REVIEW, FAILED or EXPIRED (the reason is printed);
2 usage error (or a file refused before upload); 3 API or transport error; 130 interrupted.

Also: liveness webhooks listen --help   (a receiver that verifies and prints outcome webhooks)
      liveness audit --help             (a check's audit trail)
      liveness reviews | review <checkId> | media <checkId> <part>   (human review; --help)
`;

/** What a usage error prints after its one line, instead of the whole help. */
export const USAGE_HINT = "Run 'liveness --help' for usage.";

/** The limits the gateway applies by default, so a doomed upload is refused before the check exists. */
const PROFILES: Readonly<Record<string, ProviderProfile>> = Object.fromEntries(
  PROVIDER_ADAPTERS.map((adapter) => [adapter.id, adapter.profile]),
);

export interface CliStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
}

const CONTENT_TYPES: Readonly<Record<string, { readonly type: string; readonly kind: 'video' | 'image' }>> = {
  '.mp4': { type: 'video/mp4', kind: 'video' },
  '.m4v': { type: 'video/mp4', kind: 'video' },
  '.mov': { type: 'video/quicktime', kind: 'video' },
  '.mkv': { type: 'video/x-matroska', kind: 'video' },
  '.webm': { type: 'video/webm', kind: 'video' },
  '.jpg': { type: 'image/jpeg', kind: 'image' },
  '.jpeg': { type: 'image/jpeg', kind: 'image' },
  '.png': { type: 'image/png', kind: 'image' },
};

const PART_KINDS: Readonly<Record<PartName, 'video' | 'image'>> = { video: 'video', selfie: 'image', reference: 'image' };

interface MediaFile {
  readonly part: PartName;
  readonly path: string;
  readonly contentType: string;
  readonly bytes: number;
}

interface Command {
  readonly api: string;
  readonly files: readonly MediaFile[];
  readonly provider?: string;
  readonly timeoutMs: number;
  readonly json: boolean;
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  if (argv[0] === 'webhooks') return webhooksMain(argv, io);
  if (argv[0] === 'audit') return auditMain(argv, io);
  if (argv[0] === 'reviews' || argv[0] === 'review' || argv[0] === 'media') return reviewMain(argv, io);
  const json = argv.includes('--json');
  let command: Command | 'help';
  try {
    command = await parseCommand(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (json) writeJson(io, { ok: false, error: { kind: 'usage', message: error.message } });
    else io.stderr.write(`liveness: ${error.message}\n${USAGE_HINT}\n`);
    return EXIT.usage;
  }
  if (command === 'help') {
    io.stdout.write(USAGE);
    return EXIT.pass;
  }
  try {
    return await runCheck(command, io);
  } catch (error) {
    return reportFailure(error, command.json, io);
  }
}

async function parseCommand(argv: readonly string[], env: CliIo['env']): Promise<Command | 'help'> {
  const values = parseCommandLine(argv, ['check'], {
    video: { type: 'string' },
    selfie: { type: 'string' },
    reference: { type: 'string' },
    provider: { type: 'string' },
    api: { type: 'string' },
    timeout: { type: 'string', default: '120' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values === 'help') return 'help';
  if (values.video === undefined && values.selfie === undefined) throw new UsageError('give --video <file> or --selfie <file>');

  const api = apiUrlOption(values.api, env);

  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout}"`);

  const files: MediaFile[] = [];
  for (const part of ['video', 'selfie', 'reference'] as const) {
    const path = values[part];
    if (path !== undefined) files.push(await mediaFile(part, path));
  }
  const profile = values.provider === undefined ? undefined : PROFILES[values.provider];
  for (const file of files) {
    const limits = profile?.limits[file.part];
    if (limits)
      refuseFile(
        file,
        limits.maxBytes,
        limits.formats.map((format) => MIME_TYPES[format]),
      );
  }
  return {
    api,
    files,
    ...(values.provider === undefined ? {} : { provider: values.provider }),
    timeoutMs: timeoutSeconds * 1000,
    json: values.json,
  };
}

async function mediaFile(part: PartName, path: string): Promise<MediaFile> {
  const known = CONTENT_TYPES[extname(path).toLowerCase()];
  const expected = PART_KINDS[part];
  if (!known || known.kind !== expected) {
    const allowed = Object.entries(CONTENT_TYPES)
      .filter(([, value]) => value.kind === expected)
      .map(([extension]) => extension)
      .join(' ');
    throw new UsageError(`--${part} must be ${expected === 'video' ? 'a video' : 'an image'} file (${allowed}): "${path}"`);
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`--${part}: no such file "${path}"`);
  return { part, path, contentType: known.type, bytes: info.size };
}

/** A file the part's upload form would refuse: a usage error, before anything is sent. */
function refuseFile(file: MediaFile, maxBytes: number, contentTypes: readonly string[]): void {
  if (!contentTypes.includes(file.contentType)) {
    throw new UsageError(`--${file.part} "${file.path}" is ${file.contentType}; this check takes ${contentTypes.join(', ')}`);
  }
  if (file.bytes > maxBytes) {
    throw new UsageError(
      `--${file.part} "${file.path}" is ${formatBytes(file.bytes)} (${file.bytes} bytes); the limit is ${formatBytes(maxBytes)} (${maxBytes} bytes)`,
    );
  }
}

async function runCheck(command: Command, io: CliIo): Promise<number> {
  const signal = io.signal;
  const signRequest = signerFor(command.api, io.env);
  const client = new LivenessClient({
    apiUrl: command.api,
    uploadTransport: nodeUploadTransport,
    ...(signRequest ? { signRequest } : {}),
  });
  const reporter = createReporter({ enabled: !command.json, stream: io.stderr });

  const request: CreateCheckRequest = {
    parts: command.files.map((file) => file.part),
    ...(command.provider === undefined ? {} : { provider: command.provider }),
  };
  const created = await client.createCheck(request, signal ? { signal } : {});
  // The deployment's own limits, which may differ from the defaults checked before: nothing is
  // uploaded that the form would refuse (the unused check expires).
  for (const file of command.files) {
    const form = created.uploads[file.part];
    if (form) refuseFile(file, form.maxBytes, form.contentTypes);
  }
  reporter.line(`check ${created.checkId} (${created.provider}) created`);
  const session = client.session(created);

  for (const file of command.files) {
    const blob = await openAsBlob(file.path, { type: file.contentType });
    reporter.uploadStarted(file.part, file.bytes);
    await session.upload(file.part, blob, {
      filename: file.path.split(/[\\/]/).pop() ?? file.part,
      onProgress: (progress) => reporter.uploadProgress(progress),
      ...(signal ? { signal } : {}),
    });
    reporter.uploadDone(file.part);
  }

  const started = Date.now();
  const view = await reporter.waiting(() =>
    session.waitForResult({
      timeoutMs: command.timeoutMs,
      onStatus: (status) => reporter.status(status),
      ...(signal ? { signal } : {}),
    }),
  );
  const waitedMs = Date.now() - started;

  let result: CheckResultResponse | undefined;
  try {
    result = await client.getResult(created.checkId, signal ? { signal } : {});
  } catch (error) {
    // The outcome is already known from the poll route; the detail is a bonus the caller may not be allowed to read.
    if (error instanceof AbortedError) throw error;
    reporter.line(`(could not read the full result: ${error instanceof Error ? error.message : String(error)})`);
  }

  const passed = view.status === 'COMPLETED' && view.decision === 'PASS';
  if (command.json) {
    writeJson(io, {
      ok: passed,
      checkId: created.checkId,
      provider: created.provider,
      status: view.status,
      ...(view.decision === undefined ? {} : { decision: view.decision }),
      reasons: view.reasons ?? [],
      waitedMs,
      ...(result === undefined ? {} : { result }),
    });
  } else {
    io.stdout.write(formatOutcome(view, created.provider, waitedMs, result));
  }
  return passed ? EXIT.pass : EXIT.notPassed;
}

/** The outcome as people read it: the verdict first, then why. */
export function formatOutcome(
  view: CheckStatusResponse,
  provider: string,
  waitedMs: number,
  result?: CheckResultResponse,
): string {
  const verdict = view.status === 'COMPLETED' ? (view.decision ?? 'COMPLETED') : view.status;
  const lines = [`${verdict}  check ${view.checkId}  (${provider}, ${(waitedMs / 1000).toFixed(1)} s)`];
  for (const reason of view.reasons ?? []) lines.push(`  ${reason.code}: ${reason.message}`);
  const scores = [
    result?.liveness?.score === undefined ? undefined : `liveness ${result.liveness.score.toFixed(2)}`,
    result?.faceMatch?.score === undefined ? undefined : `face match ${result.faceMatch.score.toFixed(2)}`,
    result?.deepfake?.score === undefined ? undefined : `deepfake ${result.deepfake.score.toFixed(2)}`,
  ].filter((score): score is string => score !== undefined);
  if (scores.length > 0) lines.push(`  scores: ${scores.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function reportFailure(error: unknown, json: boolean, io: CliIo): number {
  if (error instanceof UsageError) {
    if (json) writeJson(io, { ok: false, error: { kind: 'usage', message: error.message } });
    else io.stderr.write(`liveness: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof AbortedError) {
    if (json) writeJson(io, { ok: false, error: { kind: 'interrupted', message: 'interrupted' } });
    else io.stderr.write('\nliveness: interrupted\n');
    return EXIT.interrupted;
  }
  const detail = describeError(error);
  if (json) writeJson(io, { ok: false, error: detail });
  else io.stderr.write(`\nliveness: ${detail.message}\n`);
  return EXIT.api;
}

function describeError(error: unknown): { kind: string; message: string; status?: number; code?: string } {
  if (error instanceof LivenessApiError)
    return {
      kind: 'api',
      status: error.status,
      code: error.code,
      message: `API ${error.status} ${error.code}: ${error.message}`,
    };
  if (error instanceof UploadRefusedError)
    return { kind: 'upload', status: error.status, code: error.s3Code, message: error.message };
  if (error instanceof CheckTimeoutError) return { kind: 'timeout', message: error.message };
  if (error instanceof TransportError) return { kind: 'transport', message: error.message };
  if (error instanceof InvalidResponseError) return { kind: 'invalid-response', status: error.status, message: error.message };
  return { kind: 'internal', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

function processIo(): CliIo {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('SIGINT')));
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal };
}
