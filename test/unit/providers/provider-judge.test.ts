// The LivenessJudge port over the adapters: secret read and checked, request built, provider
// called and audited; why no call could be made, or a thrown fault when retrying may help.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/core/config';
import { silentLog } from '../../../src/core/log';
import type { JudgedPart, SecretSource } from '../../../src/core/ports';
import { defineProvider } from '../../../src/providers/provider';
import { createProviderJudge } from '../../../src/providers/provider-judge';
import { buildProviderRegistry } from '../../../src/providers/registry';
import { acmeAdapter } from '../../fixtures/providers/acme/adapter';
import { ACME_SIMULATOR_KEY, startAcmeSimulator, type AcmeSimulator } from '../../fixtures/providers/acme/simulator';
import { InMemoryAuditLog, InMemorySecretSource } from '../../support/in-memory';

const CHECK_ID = '00000000-0000-4000-8000-000000000001';
const VIDEO: JudgedPart = { part: 'video', bytes: new Uint8Array([1, 2, 3, 4]), facts: { part: 'video', bytes: 4 } };

let simulator: AcmeSimulator;
beforeAll(async () => {
  simulator = await startAcmeSimulator(0);
});
afterAll(async () => {
  await simulator?.close();
});

function judgeWith(secrets: SecretSource) {
  const config = parseGatewayConfig({
    checksTable: 'c',
    auditTable: 'a',
    mediaBucket: 'm',
    defaultProvider: 'acme',
    providers: { acme: { secretId: 'acme-secret', maxAttempts: 1 } },
  });
  const providers = buildProviderRegistry(config, { adapters: [defineProvider(acmeAdapter)] });
  const audit = new InMemoryAuditLog();
  return { audit, judge: createProviderJudge({ providers, secrets, audit, log: silentLog }) };
}

function secretsWith(value: unknown): InMemorySecretSource {
  const secrets = new InMemorySecretSource();
  secrets.values.set('acme-secret', value);
  return secrets;
}

describe('createProviderJudge', () => {
  it('calls the provider with the given bytes and returns its answer, auditing request and response', async () => {
    const { judge, audit } = judgeWith(secretsWith({ apiKey: ACME_SIMULATOR_KEY, endpoint: simulator.url }));

    const judgement = await judge.judge({ checkId: CHECK_ID, provider: 'acme', media: [VIDEO] });

    expect(judgement).toMatchObject({
      kind: 'called',
      attempts: 1,
      answer: { kind: 'answer', result: { decision: 'PASS', liveness: { live: true, score: 0.93 } } },
    });
    expect(simulator.videoBytes.at(-1)).toBe(4);
    expect(audit.entries.map((entry) => [entry.checkId, entry.type])).toEqual([
      [CHECK_ID, 'PROVIDER_REQUEST'],
      [CHECK_ID, 'PROVIDER_RESPONSE'],
    ]);
  });

  it('does not call when the secret is missing: PROVIDER_AUTH_FAILED', async () => {
    const { judge, audit } = judgeWith(new InMemorySecretSource());

    const judgement = await judge.judge({ checkId: CHECK_ID, provider: 'acme', media: [VIDEO] });

    expect(judgement).toMatchObject({ kind: 'not-called', failure: { code: 'PROVIDER_AUTH_FAILED' } });
    expect(audit.entries).toEqual([]);
  });

  it('does not call when the secret lacks a field, naming no value', async () => {
    const { judge } = judgeWith(secretsWith({ endpoint: simulator.url }));

    const judgement = await judge.judge({ checkId: CHECK_ID, provider: 'acme', media: [VIDEO] });

    expect(judgement).toEqual({
      kind: 'not-called',
      failure: { code: 'PROVIDER_AUTH_FAILED', message: 'The acme credentials do not have the expected fields.' },
    });
  });

  it('throws a transient secret-store fault so the attempt is retried', async () => {
    const throttled: SecretSource = {
      getJson: async () => {
        throw new Error('ThrottlingException');
      },
    };
    const { judge } = judgeWith(throttled);

    await expect(judge.judge({ checkId: CHECK_ID, provider: 'acme', media: [VIDEO] })).rejects.toThrow('ThrottlingException');
  });

  it('does not call when the request cannot be built: PROCESSING_FAILED', async () => {
    const { judge } = judgeWith(secretsWith({ apiKey: ACME_SIMULATOR_KEY, endpoint: simulator.url }));
    const calls = simulator.stats().calls;

    const judgement = await judge.judge({ checkId: CHECK_ID, provider: 'acme', media: [] });

    expect(judgement).toEqual({
      kind: 'not-called',
      failure: { code: 'PROCESSING_FAILED', message: 'The acme request could not be built.' },
    });
    expect(simulator.stats().calls).toBe(calls);
  });

  it('does not call a provider this deployment does not enable', async () => {
    const { judge } = judgeWith(secretsWith({}));

    const judgement = await judge.judge({ checkId: CHECK_ID, provider: 'fpt', media: [VIDEO] });

    expect(judgement).toMatchObject({ kind: 'not-called', failure: { code: 'PROCESSING_FAILED' } });
  });
});
