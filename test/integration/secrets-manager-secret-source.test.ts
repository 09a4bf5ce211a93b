// SecretsManagerSecretSource against the local Secrets Manager server, through the real SDK client.
import { CreateSecretCommand, GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/adapters/aws/clients';
import type { AwsClients } from '../../src/adapters/aws/clients';
import { SecretsManagerSecretSource } from '../../src/adapters/aws/secrets-manager-secret-source';
import { SecretMisconfiguredError } from '../../src/core/errors';
import type { Clock } from '../../src/core/ports';
import { startLocalSecretsManager } from '../../local/secrets-manager-server';
import type { LocalSecretsManager } from '../../local/secrets-manager-server';

let server: LocalSecretsManager;
let clients: AwsClients;
let requests = 0;
let nextName = 0;

beforeAll(async () => {
  server = await startLocalSecretsManager();
  clients = createAwsClients({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoints: { secretsManager: server.endpoint },
  });
  // Counts what actually goes over the wire, to tell cache hits from reads.
  clients.secrets.middlewareStack.add(
    (next) => async (args) => {
      requests += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
});

afterAll(async () => {
  clients.secrets.destroy();
  await server.close();
});

beforeEach(() => {
  requests = 0;
});

function uniqueName(): string {
  nextName += 1;
  return `liveness/test-${nextName}`;
}

class ManualClock implements Clock {
  private ms = Date.parse('2026-01-01T00:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

describe('SecretsManagerSecretSource', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });
  afterEach(() => {
    requests = 0;
  });

  it('returns the parsed JSON of a secret', async () => {
    const name = uniqueName();
    server.setSecret(name, { apiKey: 'k-1', endpoint: 'https://api.example/liveness' });
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });

    expect(await source.getJson(name)).toEqual({ apiKey: 'k-1', endpoint: 'https://api.example/liveness' });
  });

  it('serves the cached value within the TTL and the rotated value after it', async () => {
    const name = uniqueName();
    server.setSecret(name, { apiKey: 'before-rotation' });
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });
    await source.getJson(name);

    server.setSecret(name, { apiKey: 'after-rotation' });
    clock.advance(299);
    const withinTtl = await source.getJson(name);
    clock.advance(2);
    const afterTtl = await source.getJson(name);

    expect(withinTtl).toEqual({ apiKey: 'before-rotation' });
    expect(afterTtl).toEqual({ apiKey: 'after-rotation' });
    expect(requests).toBe(2);
  });

  it('caches per secret id', async () => {
    const first = uniqueName();
    const second = uniqueName();
    server.setSecret(first, { n: 1 });
    server.setSecret(second, { n: 2 });
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });

    expect(await source.getJson(first)).toEqual({ n: 1 });
    expect(await source.getJson(second)).toEqual({ n: 2 });
    expect(await source.getJson(first)).toEqual({ n: 1 });
    expect(requests).toBe(2);
  });

  it('shares one request between concurrent cold reads of the same secret', async () => {
    const name = uniqueName();
    server.setSecret(name, { apiKey: 'k' });
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });

    const values = await Promise.all(Array.from({ length: 5 }, () => source.getJson(name)));

    expect(values.every((value) => value === values[0])).toBe(true);
    expect(requests).toBe(1);
  });

  it('reads Secrets Manager on every call when cacheSeconds is 0', async () => {
    const name = uniqueName();
    server.setSecret(name, { apiKey: 'one' });
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 0, clock });

    await source.getJson(name);
    server.setSecret(name, { apiKey: 'two' });

    expect(await source.getJson(name)).toEqual({ apiKey: 'two' });
    expect(requests).toBe(2);
  });

  it('hands out a frozen value, so one caller cannot change what the next one gets', async () => {
    const name = uniqueName();
    server.setSecret(name, { nested: { apiKey: 'k' } });
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });

    const value = await source.getJson(name);

    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen((value as { nested: object }).nested)).toBe(true);
  });

  it('reports a missing secret as misconfigured (no retry can fix it), keeping the SDK error as its cause', async () => {
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });

    const error: unknown = await source.getJson('liveness/does-not-exist').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SecretMisconfiguredError);
    expect(error).toMatchObject({ name: 'SecretMisconfiguredError', secretId: 'liveness/does-not-exist' });
    expect((error as Error).cause).toBeInstanceOf(ResourceNotFoundException);
  });

  it('does not cache a failure: the secret is read once it exists', async () => {
    const name = uniqueName();
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });
    await expect(source.getJson(name)).rejects.toBeInstanceOf(SecretMisconfiguredError);

    server.setSecret(name, { apiKey: 'late' });

    expect(await source.getJson(name)).toEqual({ apiKey: 'late' });
  });

  it('never puts the value of a non-JSON secret into the error', async () => {
    const name = uniqueName();
    await clients.secrets.send(new CreateSecretCommand({ Name: name, SecretString: 'apiKey=hunter2-do-not-log' }));
    const source = new SecretsManagerSecretSource(clients.secrets, { cacheSeconds: 300, clock });

    const error: unknown = await source.getJson(name).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SecretMisconfiguredError);
    const everything = [String(error), (error as Error).stack ?? '', JSON.stringify(error), String((error as Error).cause)].join(
      '\n',
    );
    expect(everything).not.toContain('hunter2');
  });
});

describe('local Secrets Manager server', () => {
  it('keeps the previous version under AWSPREVIOUS after a rotation', async () => {
    const name = uniqueName();
    server.setSecret(name, { v: 1 });
    server.setSecret(name, { v: 2 });

    const current = await clients.secrets.send(new GetSecretValueCommand({ SecretId: name }));
    const previous = await clients.secrets.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }));

    expect(current).toMatchObject({ Name: name, SecretString: '{"v":2}', VersionStages: ['AWSCURRENT'] });
    expect(previous).toMatchObject({ SecretString: '{"v":1}', VersionStages: ['AWSPREVIOUS'] });
    expect(current.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:\\d{12}:secret:${name}-.{6}$`));
    expect(current.CreatedDate).toBeInstanceOf(Date);
  });

  it('finds a secret by its ARN as well as by its name', async () => {
    const name = uniqueName();
    server.setSecret(name, { v: 1 });
    const byName = await clients.secrets.send(new GetSecretValueCommand({ SecretId: name }));

    const byArn = await clients.secrets.send(new GetSecretValueCommand({ SecretId: byName.ARN }));

    expect(byArn.SecretString).toBe('{"v":1}');
  });

  it('answers an unsigned request with an AWS JSON error', async () => {
    const response = await fetch(server.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});
