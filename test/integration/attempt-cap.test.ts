// The attempt cap over the local stack: at most N checks per applicant per window, counted by a
// conditional counter in DynamoDB (dynalite), so racing creates cannot slip past it.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCreateCheckHandler } from '../../functions/create-check/handler';
import { createLambdaContext } from '../../local/api-server';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { postCheck } from '../support/api-client';
import { APPLICANT_KEY_PREFIX } from '../../src/adapters/aws/table-schema';
import { scanChecksTable } from '../support/checks-table';

async function createAs(apiUrl: string, externalRef?: string) {
  const response = await fetch(`${apiUrl}/v1/checks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(externalRef === undefined ? {} : { externalRef }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('the attempt cap with its defaults (5 per 24 h)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the applicant out of the table: its counter is keyed by an HMAC, and an erased check leaves no trace of it', async () => {
    const created = await createAs(stack.apiUrl, 'customer-0042-counted');
    expect(created.status).toBe(201);
    expect((await fetch(`${stack.apiUrl}/v1/checks/${String(created.body.checkId)}`, { method: 'DELETE' })).status).toBe(200);

    const items = await scanChecksTable(stack);

    const counters = items.filter((item) => String(item.checkId).startsWith(APPLICANT_KEY_PREFIX));
    expect(counters.map((item) => String(item.checkId))).toContainEqual(expect.stringMatching(/^applicant#[0-9a-f]{64}$/));
    expect(JSON.stringify(items)).not.toContain('customer-0042-counted');
  });

  it('answers the sixth create for one applicant 429 ATTEMPT_LIMIT_REACHED with retryAfterSeconds and Retry-After', async () => {
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await createAs(stack.apiUrl, 'applicant-six')).status).toBe(201);

    const sixth = await createAs(stack.apiUrl, 'applicant-six');

    expect(sixth.status).toBe(429);
    const error = sixth.body.error as { code: string; message: string; retryAfterSeconds: number };
    expect(error.code).toBe('ATTEMPT_LIMIT_REACHED');
    expect(error.retryAfterSeconds).toBeGreaterThan(24 * 3600 - 60);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(24 * 3600);
    expect(sixth.retryAfter).toBe(String(error.retryAfterSeconds));
    // Another applicant, and a check without an applicant, are not held back.
    expect((await createAs(stack.apiUrl, 'applicant-other')).status).toBe(201);
  });

  it('creates exactly 5 of 20 parallel creates for one applicant', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => createAs(stack.apiUrl, 'applicant-racing')));

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it('counts nothing for a check without an externalRef', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 7; attempt += 1) statuses.push((await createAs(stack.apiUrl)).status);
    expect(statuses).toEqual(Array.from({ length: 7 }, () => 201));
  });

  it('does not count a refused request as an attempt', async () => {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      expect((await postCheck(stack.apiUrl, { externalRef: 'applicant-bad', provider: 'nope' })).status).toBe(400);
    }
    expect((await createAs(stack.apiUrl, 'applicant-bad')).status).toBe(201);
  });

  it('counts the JWT subject behind the authoriser, not the externalRef the body claims', async () => {
    const handler = makeCreateCheckHandler(stack.deps);
    const create = async (externalRef: string) => {
      const event = {
        version: '2.0',
        routeKey: 'POST /v1/checks',
        rawPath: '/v1/checks',
        rawQueryString: '',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ externalRef }),
        isBase64Encoded: false,
        requestContext: { authorizer: { jwt: { claims: { sub: 'user-123' }, scopes: [] } } },
      } as unknown as APIGatewayProxyEventV2;
      const result = (await handler(
        event,
        createLambdaContext({ functionName: 'create-check' }),
      )) as APIGatewayProxyStructuredResultV2;
      return result.statusCode;
    };

    const statuses = [];
    for (let attempt = 0; attempt < 6; attempt += 1) statuses.push(await create(`claimed-${attempt}`));

    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });
});

describe('the attempt window', () => {
  let stack: LocalStack;
  let now = Date.parse('2026-11-29T10:00:00Z');
  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      env: { MAX_ATTEMPTS_PER_APPLICANT: '2', ATTEMPT_WINDOW_HOURS: '1' },
      sweepIntervalMs: 0,
      autoDeliver: false,
      clock: { now: () => new Date(now) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('takes MAX_ATTEMPTS_PER_APPLICANT and ATTEMPT_WINDOW_HOURS, and opens a new window once the old one ends', async () => {
    expect((await createAs(stack.apiUrl, 'applicant-w')).status).toBe(201);
    now += 600_000;
    expect((await createAs(stack.apiUrl, 'applicant-w')).status).toBe(201);
    const refused = await createAs(stack.apiUrl, 'applicant-w');
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe(String(3600 - 600));

    now += 3000_000 + 1000;

    expect((await createAs(stack.apiUrl, 'applicant-w')).status).toBe(201);
    expect((await createAs(stack.apiUrl, 'applicant-w')).status).toBe(201);
    expect((await createAs(stack.apiUrl, 'applicant-w')).status).toBe(429);
  });
});

describe('the attempt cap turned off', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, env: { MAX_ATTEMPTS_PER_APPLICANT: '0' }, sweepIntervalMs: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates as many checks for one applicant as asked (MAX_ATTEMPTS_PER_APPLICANT=0)', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 7; attempt += 1) statuses.push((await createAs(stack.apiUrl, 'applicant-free')).status);
    expect(statuses).toEqual(Array.from({ length: 7 }, () => 201));
  });

  it('refuses a local setting that is not a number', async () => {
    await expect(startLocalStack({ port: 0, env: { MAX_ATTEMPTS_PER_APPLICANT: 'lots' }, sweepIntervalMs: 0 })).rejects.toThrow(
      /MAX_ATTEMPTS_PER_APPLICANT/,
    );
  });
});
