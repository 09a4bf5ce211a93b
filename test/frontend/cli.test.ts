// `liveness check` as a user runs it: a child process against a local stack over real HTTP.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { buildOutcomeEvent } from '../../src/events/envelope';
import { generateWebhookSecret, webhookHeaders } from '../../src/events/standard-webhooks';
import { FIXTURES } from '../support/api-client';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Generous: each case is a fresh Node process (tsx compiles the CLI), slow on a busy two-core machine.
const CHILD_TIMEOUT_MS = 60_000;

function run(
  command: string,
  args: readonly string[],
  timeout = CHILD_TIMEOUT_MS,
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
    if (!('LIVENESS_API' in env)) delete childEnv.LIVENESS_API;
    execFile(command, [...args], { cwd: ROOT, timeout, env: childEnv }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

const liveness = (...args: string[]): Promise<Run> => run(process.execPath, ['cli/liveness.js', ...args]);
const livenessWithEnv = (env: Record<string, string>, ...args: string[]): Promise<Run> =>
  run(process.execPath, ['cli/liveness.js', ...args], CHILD_TIMEOUT_MS, env);

/** A file of `bytes` zeros under the OS temp dir, named with `extension`. */
function scratchFile(bytes: number, extension: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'liveness-cli-'));
  const path = join(directory, `big${extension}`);
  writeFileSync(path, Buffer.alloc(bytes));
  return path;
}

/** A loopback port nobody listens on, so a connection is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {} });
});
afterAll(async () => {
  await stack?.stop();
});

// Each case is its own process and waits mostly on I/O, so they run side by side.
describe.concurrent('liveness check', { timeout: CHILD_TIMEOUT_MS + 10_000 }, () => {
  it('prints PASS and exits 0 for a live video with a matching ID photo', async ({ expect }) => {
    const result = await liveness(
      'check',
      '--video',
      `${FIXTURES}face_moving.mp4`,
      '--reference',
      `${FIXTURES}id_astronaut_1024.jpg`,
      '--api',
      stack.apiUrl,
    );
    expect(result.stdout).toMatch(
      /^PASS {2}check [0-9a-f-]{36} {2}\(fpt, [\d.]+ s\)\n {2}scores: liveness [\d.]+, face match [\d.]+/,
    );
    expect(result.code).toBe(0);
    // Not a terminal: plain progress lines, no carriage-return redraws.
    // MiB and KiB, the binary units of the gateway's limits.
    expect(result.stderr).toContain(`video: uploading ${(statSync(`${FIXTURES}face_moving.mp4`).size / 1024).toFixed(1)} KiB\n`);
    expect(result.stderr).toMatch(/video: uploaded \([\d.]+ KiB sent/);
    expect(result.stderr).toContain('reference: uploaded');
    expect(result.stderr).toContain('status: COMPLETED PASS');
    expect(result.stderr).not.toContain('\r');
  });

  it('exits 1 with the reason when the video is too short', async ({ expect }) => {
    const result = await liveness('check', '--video', `${FIXTURES}face_1s.mp4`, '--api', stack.apiUrl);
    expect(result.stdout).toMatch(/^RETRY {2}check /);
    expect(result.stdout).toContain('VIDEO_TOO_SHORT');
    expect(result.code).toBe(1);
  });

  it('prints exactly one JSON object and nothing else with --json', async ({ expect }) => {
    const result = await liveness('check', '--video', `${FIXTURES}face_moving.mp4`, '--api', stack.apiUrl, '--json');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const parsed: unknown = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({
      ok: true,
      status: 'COMPLETED',
      decision: 'PASS',
      provider: 'fpt',
      reasons: [],
      result: { parts: ['video'], media: [expect.objectContaining({ part: 'video', container: 'mp4', durationSeconds: 6 })] },
    });
    expect(result.code).toBe(0);
  });

  it.for<[string[], RegExp]>([
    [['check'], /give --video/],
    [['check', '--video', 'clip.gif'], /--video must be a video file/],
    [['check', '--video', 'missing.mp4'], /no such file/],
    [
      ['check', '--video', `${FIXTURES}face_moving.mp4`, '--reference', `${FIXTURES}face_moving.mp4`],
      /--reference must be an image/,
    ],
    [['check', '--vidoe', 'x.mp4'], /Unknown option '--vidoe'/],
    [['verify'], /unknown command "verify"/],
    [['check', '--video', `${FIXTURES}face_moving.mp4`, '--timeout', '0'], /--timeout must be a positive number/],
  ])('exits 2 on a usage error with one line and a pointer to --help: %j', async ([args, message], { expect }) => {
    const result = await liveness(...args);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^liveness: /), "Run 'liveness --help' for usage."]);
    expect(result.stderr).not.toContain('Usage: liveness check');
    expect(result.code).toBe(2);
  });

  it('reads the API from LIVENESS_API when --api is not given', async ({ expect }) => {
    const result = await livenessWithEnv(
      { LIVENESS_API: stack.apiUrl },
      'check',
      '--video',
      `${FIXTURES}face_moving.mp4`,
      '--json',
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, decision: 'PASS' });
    expect(result.code).toBe(0);
  });

  it('names LIVENESS_API when it is not a URL, and lets --api win over it', async ({ expect }) => {
    const bad = await livenessWithEnv({ LIVENESS_API: 'not a url' }, 'check', '--video', `${FIXTURES}face_moving.mp4`);
    expect(bad.stderr).toContain('liveness: LIVENESS_API is not a URL: "not a url"');
    expect(bad.code).toBe(2);
    const overridden = await livenessWithEnv(
      { LIVENESS_API: 'not a url' },
      'check',
      '--video',
      `${FIXTURES}face_moving.mp4`,
      '--api',
      stack.apiUrl,
      '--json',
    );
    expect(overridden.code).toBe(0);
  });

  it('refuses a file over the provider’s limit before creating a check, in MiB', async ({ expect }) => {
    const big = scratchFile(10 * 1024 * 1024 + 1, '.mp4');
    const result = await liveness('check', '--provider', 'fpt', '--video', big, '--api', stack.apiUrl);
    expect(result.stderr).toContain(
      `liveness: --video "${big}" is 10.0 MiB (10485761 bytes); the limit is 10.0 MiB (10485760 bytes)`,
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
    // No check was created (the CLI reports every check it creates); other cases share the stack, so
    // the simulator's call count would race with them.
    expect(result.stderr).not.toContain('created');
  });

  it('refuses a file over the limit the create response gives, before any upload, when no provider is named', async ({
    expect,
  }) => {
    const big = scratchFile(10 * 1024 * 1024 + 1, '.mp4');
    const result = await liveness('check', '--video', big, '--api', stack.apiUrl, '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'usage', message: expect.stringContaining('the limit is 10.0 MiB') },
    });
    expect(result.code).toBe(2);
  });

  it('exits 3 when the API cannot be reached, as JSON with --json', async ({ expect }) => {
    const result = await liveness(
      'check',
      '--video',
      `${FIXTURES}face_moving.mp4`,
      '--api',
      `http://127.0.0.1:${await closedPort()}`,
      '--json',
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'transport', message: expect.stringContaining('ECONNREFUSED') },
    });
    expect(result.code).toBe(3);
  });

  it('exits 3 when the API refuses the check', async ({ expect }) => {
    const result = await liveness('check', '--video', `${FIXTURES}face_moving.mp4`, '--provider', 'acme', '--api', stack.apiUrl);
    expect(result.stderr).toMatch(/API 400 INVALID_REQUEST: provider "acme" is not enabled/);
    expect(result.code).toBe(3);
  });
});

it('is what `npx liveness` runs from the repository root (npm links the root package’s own bin)', async () => {
  const result = await run('npx', ['--offline', 'liveness', '--help'], 30_000);
  expect(result.stdout).toContain('Usage: liveness check --video <file>');
  expect(result.stdout).toContain('$LIVENESS_API');
  expect(result.code).toBe(0);
});

describe('liveness webhooks listen', () => {
  const secret = generateWebhookSecret();
  const event = buildOutcomeEvent({
    type: 'check.completed',
    check: {
      checkId: '6f1c2a0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f',
      provider: 'fpt',
      externalRef: 'applicant-42',
      result: { decision: 'REVIEW', reasons: [{ code: 'NEEDS_REVIEW' }] },
    },
    occurredAt: '2026-11-29T10:00:00.000Z',
  });
  const body = JSON.stringify(event);

  /** Starts the receiver as a user would and waits for the address it prints. */
  async function startListener(args: readonly string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['cli/liveness.js', 'webhooks', 'listen', '--port', '0', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`listener exited: ${stderr}`)));
    });
    return {
      url,
      stdout: () => stdout,
      stderr: () => stderr,
      stop: async () => {
        child.kill('SIGINT');
        return exited;
      },
    };
  }

  const post = (url: string, headers: Record<string, string>, payload = body) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  const signed = (timestamp = Math.floor(Date.now() / 1000), secrets = [secret]) =>
    webhookHeaders({ id: event.id, timestamp, body, secrets });

  it('prints a verified event once, answers 204, and stops with exit 0 on Ctrl-C', async () => {
    const listener = await startListener(['--secret', secret]);
    try {
      const first = await post(listener.url, signed());
      const redelivered = await post(listener.url, signed());
      expect(first.status).toBe(204);
      expect(redelivered.status).toBe(204);
      await expect.poll(() => listener.stderr()).toContain(`duplicate delivery of ${event.id}`);
      expect(listener.stdout()).toBe(
        `check.completed  check 6f1c2a0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f  REVIEW NEEDS_REVIEW  (fpt, ${event.id})\n`,
      );
      expect(listener.stdout() + listener.stderr()).not.toContain('applicant-42');
      expect(listener.stderr()).not.toContain(secret);
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  });

  it('answers 401 with the reason to an unsigned, tampered, wrongly keyed or stale delivery', async () => {
    const listener = await startListener([], { WEBHOOK_SECRET: secret });
    try {
      const cases: [Promise<Response>, string][] = [
        [post(listener.url, {}), 'MISSING_HEADERS'],
        [post(listener.url, signed(), body.replace('REVIEW', 'PASS')), 'INVALID_SIGNATURE'],
        [post(listener.url, signed(undefined, [generateWebhookSecret()])), 'INVALID_SIGNATURE'],
        [post(listener.url, signed(Math.floor(Date.now() / 1000) - 6 * 60)), 'TIMESTAMP_TOO_OLD'],
        [post(listener.url, { ...signed(), 'webhook-signature': 'sha256=abc' }), 'MALFORMED_SIGNATURE'],
      ];
      for (const [pending, code] of cases) {
        const response = await pending;
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
      }
      expect(listener.stdout()).toBe('');
      expect(listener.stderr()).toContain('refused a delivery: TIMESTAMP_TOO_OLD');
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  });

  it('prints the envelope as one JSON line with --json', async () => {
    const listener = await startListener(['--secret', secret, '--json']);
    try {
      expect((await post(listener.url, signed())).status).toBe(204);
      await expect.poll(() => listener.stdout()).not.toBe('');
      expect(JSON.parse(listener.stdout())).toStrictEqual(event);
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  });

  it.for<[string[], RegExp]>([
    [['webhooks', 'listen'], /give --secret <whsec_...> or set WEBHOOK_SECRET/],
    [['webhooks', 'listen', '--secret', 'hunter2'], /a webhook secret is "whsec_" followed by base64/],
    [['webhooks', 'listen', '--secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '--port', 'http'], /--port must be 0 to 65535/],
    [['webhooks', 'serve'], /unknown command "webhooks serve"/],
  ])('exits 2 on a usage error: %j', async ([args, message], { expect }) => {
    const result = await run(process.execPath, ['cli/liveness.js', ...args], 20_000);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).toContain('Usage: liveness webhooks listen');
    expect(result.code).toBe(2);
  });
});

describe('liveness audit', () => {
  let checkId: string;

  beforeAll(async () => {
    const checked = await liveness('check', '--video', `${FIXTURES}face_1s.mp4`, '--api', stack.apiUrl, '--json');
    checkId = (JSON.parse(checked.stdout) as { checkId: string }).checkId;
  }, 30_000);

  it("prints a real check's trail as a table, oldest step first", async ({ expect }) => {
    const result = await liveness('audit', checkId, '--api', stack.apiUrl);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT\s+TYPE\s+DETAIL$/);
    const types = lines.slice(1).map((line) => line.split(/\s+/)[1]);
    expect(types[0]).toBe('CHECK_CREATED');
    expect(types).toContain('MEDIA_CHECKED');
    expect(types.at(-1) === 'RESULT_RECORDED' || types.includes('RESULT_RECORDED')).toBe(true);
    expect(result.stdout).toMatch(/RESULT_RECORDED\s+status=COMPLETED decision=RETRY reasons=\["VIDEO_TOO_SHORT"\]/);
  });

  it('prints the API answer with --json, and reads the API from LIVENESS_API', async ({ expect }) => {
    const result = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        ['cli/liveness.js', 'audit', checkId, '--json'],
        { cwd: ROOT, timeout: 20_000, env: { ...process.env, NO_COLOR: '1', LIVENESS_API: stack.apiUrl } },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
      );
    });
    expect(result.code).toBe(0);
    const trail = JSON.parse(result.stdout) as { items: { seq: string; at: string; type: string; detail: unknown }[] };
    expect(trail.items.map((item) => item.type)).toEqual(expect.arrayContaining(['CHECK_CREATED', 'RESULT_RECORDED']));
    expect(trail.items.map((item) => item.seq)).toEqual(trail.items.map((item) => item.seq).sort());
  });

  it('exits 3 with the API error for an unknown check, 2 for a malformed id', async ({ expect }) => {
    const unknown = await liveness('audit', '00000000-0000-4000-8000-000000000000', '--api', stack.apiUrl);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('API 404 NOT_FOUND');
    const malformed = await liveness('audit', 'nope', '--api', stack.apiUrl);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('Usage: liveness audit');
  });
});
