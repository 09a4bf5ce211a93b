// The operator's most common mistake: a provider secret left empty or filled with the wrong shape.
// The check ends FAILED / PROVIDER_AUTH_FAILED at once (no retries, no provider call), saying
// which provider, never the value; a corrected secret is picked up without a restart.
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createSecretsManagerClient } from '../../src/adapters/aws/clients';
import { LOCAL_S3_CREDENTIALS } from '../../local/s3-gateway';
import { createCheck, fixture, uploadOk, waitForEnd, type CreatedCheck } from '../support/api-client';

let stack: LocalStack;
let secretId: string;
let original: unknown;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, env: {}, sweepIntervalMs: 0, providers: ['fpt'] });
  secretId = stack.deps.providers.get('fpt')?.config.secretId ?? '';
  original = await stack.deps.secrets.getJson(secretId);
});
afterAll(async () => stack?.stop());

async function putSecret(value: string): Promise<void> {
  const client = createSecretsManagerClient({
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    endpoint: stack.endpoints.secretsManager,
  });
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  client.destroy();
}

async function runCheck() {
  const check = await createCheck(stack.apiUrl, { provider: 'fpt', parts: ['video'] });
  await uploadOk(check.uploads.video as CreatedCheck['uploads'][string], fixture('face_moving.mp4'), 'video/mp4');
  return waitForEnd(stack.apiUrl, check.checkId);
}

it.each([
  ['not JSON', 'apiKey=operator-typo-secret', /missing or not JSON/],
  ['JSON of the wrong shape', '{"api_key":"operator-typo-secret"}', /expected fields/],
])(
  'ends FAILED / PROVIDER_AUTH_FAILED at once for a secret that is %s, without calling the provider',
  async (_label, value, message) => {
    const before = stack.simulators.fpt?.stats().calls;
    await putSecret(value);
    const started = Date.now();
    const body = await runCheck();
    expect(body).toMatchObject({
      status: 'FAILED',
      reasons: [expect.objectContaining({ code: 'PROVIDER_AUTH_FAILED', message: expect.stringMatching(message) })],
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stack.simulators.fpt?.stats().calls).toBe(before);
    const audit = JSON.stringify(await stack.deps.audit.list(String(body.checkId)));
    expect(audit).not.toContain('operator-typo-secret');
  },
);

it('picks up the corrected secret without a restart', async () => {
  await putSecret(JSON.stringify(original));
  expect(await runCheck()).toMatchObject({ status: 'COMPLETED', decision: 'PASS' });
});
