import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOutcomeEvent } from '../../../src/events/envelope';
import { generateWebhookSecret, verifyWebhookSignature } from '../../../src/events/standard-webhooks';
import {
  checkWebhookUrl,
  deliverWebhook,
  deliverWithRetries,
  DEPLOYED_RETRY_SCHEDULE,
  isPublicAddress,
  LOCAL_RETRY_SCHEDULE,
  nextRetryDelaySeconds,
  WEBHOOK_TIMEOUT_MS,
  webhookAttemptAudit,
  WebhookUrlError,
  type DeliveryResult,
  type ResolveHost,
  type WebhookUrlProblem,
} from '../../../src/events/webhook-delivery';

const SECRET = generateWebhookSecret();
const EVENT = buildOutcomeEvent({
  type: 'check.completed',
  check: {
    checkId: '6f1c2a0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f',
    provider: 'fpt',
    externalRef: 'applicant-42',
    result: { decision: 'PASS', reasons: [] },
  },
  occurredAt: '2026-11-29T10:00:00.000Z',
});
const LOCAL = { allowHttp: true, allowPrivate: true };

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly url: string;
}

/** A real receiver on 127.0.0.1 that answers each request with the next status (or never). */
async function receiver(answers: readonly (number | 'hang')[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), url: request.url ?? '' });
      const answer = answers[received.length - 1] ?? 200;
      if (answer === 'hang') return;
      if (answer >= 300 && answer < 400) response.setHeader('location', '/elsewhere');
      response.writeHead(answer).end('receiver body, never read');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/liveness?token=receiver-own-token`, received };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('deliverWebhook against a real HTTP receiver', () => {
  it('retries 500, 500 then 200: three deliveries of the same webhook-id, each correctly signed', async () => {
    const { url, received } = await receiver([500, 500, 200]);
    const results: [number, DeliveryResult][] = [];

    const last = await deliverWithRetries(
      { url, event: EVENT, secrets: [SECRET], policy: LOCAL },
      { schedule: LOCAL_RETRY_SCHEDULE, random: () => 0.1, onAttempt: (attempt, result) => void results.push([attempt, result]) },
    );

    expect(last).toMatchObject({ ok: true, retryable: false, status: 200 });
    expect(results.map(([attempt, result]) => [attempt, result.status, result.ok, result.retryable])).toEqual([
      [1, 500, false, true],
      [2, 500, false, true],
      [3, 200, true, false],
    ]);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((request) => request.headers['webhook-id']))).toEqual(new Set([EVENT.id]));
    for (const request of received) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toStrictEqual(EVENT);
      expect(verifyWebhookSignature(request.headers, request.body, SECRET)).toMatchObject({ id: EVENT.id });
    }
  });

  it('marks the last attempt to a receiver that always answers 500 as exhausted, after every local retry', async () => {
    const { url, received } = await receiver(Array.from({ length: 10 }, () => 500));
    const attempts: [number, boolean][] = [];

    const last = await deliverWithRetries(
      { url, event: EVENT, secrets: [SECRET], policy: LOCAL },
      {
        schedule: LOCAL_RETRY_SCHEDULE,
        random: () => 0,
        onAttempt: (attempt, _result, exhausted) => void attempts.push([attempt, exhausted]),
      },
    );

    expect(last).toMatchObject({ ok: false, status: 500 });
    expect(received).toHaveLength(LOCAL_RETRY_SCHEDULE.maxAttempts);
    expect(attempts).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [6, true],
    ]);
  });

  it('gives up on an endpoint that never answers after the timeout, as a retryable TIMEOUT', async () => {
    const { url, received } = await receiver(['hang']);

    const result = await deliverWebhook({ url, event: EVENT, secrets: [SECRET], policy: LOCAL, timeoutMs: 300 });

    expect(result).toMatchObject({ ok: false, retryable: true, failure: 'TIMEOUT' });
    expect(result.status).toBeUndefined();
    expect(result.ms).toBeGreaterThanOrEqual(290);
    expect(result.ms).toBeLessThan(5_000);
    expect(received).toHaveLength(1);
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000);
  });

  it('does not follow a redirect: a 302 is a failed, retryable attempt', async () => {
    const { url, received } = await receiver([302]);
    const result = await deliverWebhook({ url, event: EVENT, secrets: [SECRET], policy: LOCAL });
    expect(result).toMatchObject({ ok: false, retryable: true, status: 302, failure: 'HTTP_STATUS' });
    expect(received.map((request) => request.url)).toEqual(['/hooks/liveness?token=receiver-own-token']);
  });

  it('reports a refused connection as a retryable CONNECTION_FAILED', async () => {
    const { url } = await receiver([]);
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const result = await deliverWebhook({ url, event: EVENT, secrets: [SECRET], policy: LOCAL });
    expect(result).toMatchObject({ ok: false, retryable: true, failure: 'CONNECTION_FAILED' });
  });

  it('connects only to the address it checked, whatever the system resolver would say', async () => {
    const { url, received } = await receiver([204]);
    const port = new URL(url).port;
    const resolve: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];

    const result = await deliverWebhook({
      url: `http://hooks.example.invalid:${port}/in`,
      event: EVENT,
      secrets: [SECRET],
      policy: LOCAL,
      resolve,
    });

    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(received[0]?.headers.host).toBe(`hooks.example.invalid:${port}`);
  });

  it('sends nothing to a loopback receiver unless private addresses are allowed, and does not retry that', async () => {
    const { url, received } = await receiver([200]);
    const result = await deliverWebhook({ url, event: EVENT, secrets: [SECRET], policy: { allowHttp: true } });
    expect(result).toMatchObject({ ok: false, retryable: false, failure: 'PRIVATE_ADDRESS' });
    expect(received).toHaveLength(0);
  });
});

describe('isPublicAddress', () => {
  it.for([
    '0.0.0.0',
    '10.1.2.3',
    '100.64.0.1',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:8.8.8.8',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    'fc00::1',
    'fd00::1',
    'fd00:ec2::254',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '2001:db8::1',
    '2002:a9fe:a9fe::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.for(['8.8.8.8', '1.1.1.1', '52.95.110.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '2a05:d018::1'])(
    'allows the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('checkWebhookUrl', () => {
  const resolvesTo =
    (...addresses: string[]): ResolveHost =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  async function problem(
    url: string,
    policy = {},
    resolve: ResolveHost = resolvesTo('93.184.215.14'),
  ): Promise<WebhookUrlProblem | 'ok'> {
    try {
      await checkWebhookUrl(url, policy, resolve);
      return 'ok';
    } catch (error) {
      if (error instanceof WebhookUrlError) return error.problem;
      throw error;
    }
  }

  it('accepts an https URL whose every address is public', async () => {
    expect(
      await problem('https://hooks.example.com/in', {}, resolvesTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c')),
    ).toBe('ok');
  });

  it('refuses a host when any one of its addresses is private (IPv4 or IPv6)', async () => {
    expect(await problem('https://hooks.example.com/', {}, resolvesTo('93.184.215.14', '10.0.0.7'))).toBe('PRIVATE_ADDRESS');
    expect(await problem('https://hooks.example.com/', {}, resolvesTo('93.184.215.14', 'fd00::7'))).toBe('PRIVATE_ADDRESS');
  });

  it.for([
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[fd00:ec2::254]/',
    'https://0.0.0.0/',
    'https://2130706433/',
    'https://0x7f.1/',
  ])('refuses the address literal in %s without resolving it', async (url) => {
    const neverCalled: ResolveHost = async () => {
      throw new Error('resolved an IP literal');
    };
    expect(await problem(url, {}, neverCalled)).toBe('PRIVATE_ADDRESS');
  });

  it('refuses localhost as the system resolver answers it', async () => {
    await expect(checkWebhookUrl('https://localhost/')).rejects.toMatchObject({ problem: 'PRIVATE_ADDRESS' });
  });

  it('allows http:// and private addresses only when asked to (local stack)', async () => {
    expect(await problem('http://hooks.example.com/')).toBe('INSECURE_URL');
    expect(await problem('http://127.0.0.1:8080/', { allowHttp: true })).toBe('PRIVATE_ADDRESS');
    expect(await problem('http://127.0.0.1:8080/', { allowHttp: true, allowPrivate: true })).toBe('ok');
    expect(await problem('ftp://hooks.example.com/', { allowHttp: true })).toBe('INSECURE_URL');
    expect(await problem('not a url')).toBe('INVALID_URL');
  });

  it('reports a host that does not resolve', async () => {
    const failing: ResolveHost = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await problem('https://nowhere.example.com/', {}, failing)).toBe('UNRESOLVABLE_HOST');
    expect(await problem('https://nowhere.example.com/', {}, resolvesTo())).toBe('UNRESOLVABLE_HOST');
  });
});

describe('retry schedules', () => {
  function simulate(schedule = DEPLOYED_RETRY_SCHEDULE, random: () => number = Math.random) {
    const delays: number[] = [];
    for (let attempts = 1; ; attempts += 1) {
      const elapsed = delays.reduce((sum, delay) => sum + delay, 0);
      const delay = nextRetryDelaySeconds(schedule, attempts, elapsed, random);
      if (delay === undefined) return { attempts, spanSeconds: elapsed, delays };
      delays.push(delay);
    }
  }

  it('keeps a deployed delivery going for at least 24 h, in about 24 attempts', () => {
    const average = simulate(DEPLOYED_RETRY_SCHEDULE, () => 0.5);
    expect(average.attempts).toBe(24);
    expect(average.spanSeconds).toBeGreaterThanOrEqual(24 * 3600);
    const longest = simulate(DEPLOYED_RETRY_SCHEDULE, () => 0.999_999);
    expect(longest.attempts).toBe(18);
    for (let run = 0; run < 500; run += 1) {
      const random = simulate();
      expect(random.spanSeconds).toBeGreaterThanOrEqual(24 * 3600);
      expect(random.attempts).toBeLessThanOrEqual(DEPLOYED_RETRY_SCHEDULE.maxAttempts);
    }
  });

  it('draws each deployed delay at random below a doubling ceiling capped at 4 h (full jitter)', () => {
    expect(nextRetryDelaySeconds(DEPLOYED_RETRY_SCHEDULE, 1, 0, () => 0.999_999)).toBeCloseTo(5, 3);
    expect(nextRetryDelaySeconds(DEPLOYED_RETRY_SCHEDULE, 4, 100, () => 0.999_999)).toBeCloseTo(40, 3);
    expect(nextRetryDelaySeconds(DEPLOYED_RETRY_SCHEDULE, 20, 3600, () => 0.999_999)).toBeCloseTo(4 * 3600, 0);
    expect(nextRetryDelaySeconds(DEPLOYED_RETRY_SCHEDULE, 3, 30, () => 0)).toBe(0);
    expect(nextRetryDelaySeconds(DEPLOYED_RETRY_SCHEDULE, 39, 3600, () => 0.5)).toBeDefined();
    expect(nextRetryDelaySeconds(DEPLOYED_RETRY_SCHEDULE, 40, 3600, () => 0.5)).toBeUndefined();
  });

  it('retries locally within 2 s at first and makes at least 5 attempts', () => {
    const slowest = simulate(LOCAL_RETRY_SCHEDULE, () => 0.999_999);
    expect(slowest.delays[0]).toBeLessThan(2);
    expect(slowest.attempts).toBeGreaterThanOrEqual(5);
    expect(slowest.spanSeconds).toBeLessThanOrEqual(31);
  });
});

describe('webhookAttemptAudit', () => {
  it('keeps the endpoint host, status, latency and attempt, never the path, query, secret or body', () => {
    const url = 'https://user:pass@hooks.example.com:8443/in/abc?token=receiver-own-token';
    const audit = webhookAttemptAudit(EVENT, url, 3, { ok: false, retryable: true, status: 503, ms: 42, failure: 'HTTP_STATUS' });

    expect(audit).toStrictEqual({
      eventId: EVENT.id,
      eventType: 'check.completed',
      endpointHost: 'hooks.example.com:8443',
      attempt: 3,
      ok: false,
      retryable: true,
      status: 503,
      latencyMs: 42,
      failure: 'HTTP_STATUS',
    });
    const text = JSON.stringify(audit);
    for (const secretive of ['receiver-own-token', '/in/abc', 'pass', SECRET, 'applicant-42', EVENT.data.checkId]) {
      expect(text).not.toContain(secretive);
    }
  });

  it('marks the last attempt of a delivery given up, and never a delivered one', () => {
    const failed: DeliveryResult = { ok: false, retryable: true, status: 500, ms: 9, failure: 'HTTP_STATUS' };
    expect(webhookAttemptAudit(EVENT, 'https://hooks.example.com/', 6, failed, true)).toMatchObject({
      attempt: 6,
      exhausted: true,
    });
    expect(webhookAttemptAudit(EVENT, 'https://hooks.example.com/', 5, failed)).not.toHaveProperty('exhausted');
    expect(
      webhookAttemptAudit(EVENT, 'https://hooks.example.com/', 1, { ok: true, retryable: false, status: 200, ms: 3 }, true),
    ).not.toHaveProperty('exhausted');
  });

  it('records a timeout without a status', () => {
    const audit = webhookAttemptAudit(EVENT, 'https://hooks.example.com/', 1, {
      ok: false,
      retryable: true,
      ms: 10_000,
      failure: 'TIMEOUT',
    });
    expect(audit).not.toHaveProperty('status');
    expect(audit).toMatchObject({ failure: 'TIMEOUT', latencyMs: 10_000 });
  });
});
