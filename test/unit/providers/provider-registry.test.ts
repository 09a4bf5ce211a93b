// Provider choice per check: which providers a deployment enables, and what a check may ask of them.
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, type GatewayConfigInput } from '../../../src/core/config';
import { ConfigurationError, ValidationError } from '../../../src/core/errors';
import { createCheck, type CreateCheckDeps } from '../../../src/core/use-cases/create-check';
import { buildProviderRegistry } from '../../../src/providers/registry';
import { FakeUploadSigner, InMemoryAuditLog, InMemoryCheckRepository } from '../../support/in-memory';

function registry(providers: GatewayConfigInput['providers'], defaultProvider: 'fpt' | 'senseid' | 'verihubs' = 'fpt') {
  return buildProviderRegistry(
    parseGatewayConfig({ checksTable: 'c', auditTable: 'a', mediaBucket: 'm', defaultProvider, providers }),
  );
}

function deps(providers: GatewayConfigInput['providers']): CreateCheckDeps {
  return {
    checks: new InMemoryCheckRepository(),
    audit: new InMemoryAuditLog(),
    signer: new FakeUploadSigner(),
    providers: registry(providers),
    clock: { now: () => new Date('2026-11-22T10:00:00Z') },
    uploadExpirySeconds: 900,
    uploadGraceSeconds: 300,
    checkRetentionDays: 30,
  };
}

describe('provider registry', () => {
  it('has an adapter for every provider id, each with its own settings defaults and profile', () => {
    const all = registry({ fpt: { secretId: 'f' }, senseid: { secretId: 's' }, verihubs: { secretId: 'v' } });
    expect(all.enabled).toEqual(['fpt', 'senseid', 'verihubs']);
    expect(all.get('senseid')?.profile.defaultParts).toEqual(['video', 'reference']);
    expect(all.get('verihubs')?.profile.defaultParts).toEqual(['selfie']);
    expect(all.get('senseid')?.settings).toMatchObject({ verificationThreshold: 0.7, returnStatus: true });
  });

  it('applies a deployment limit override to the SenseID video', () => {
    const one = registry({ senseid: { secretId: 's', limits: { video: { maxBytes: 8 * 1024 * 1024 } } } }, 'senseid');
    expect(one.get('senseid')?.profile.limits.video).toMatchObject({ maxBytes: 8 * 1024 * 1024, minDurationSeconds: 2 });
  });

  it('fails at cold start on settings an adapter refuses', () => {
    expect(() => registry({ senseid: { secretId: 's', settings: { verificationThreshold: 7 } } }, 'senseid')).toThrow(
      ConfigurationError,
    );
    expect(() =>
      registry({ verihubs: { secretId: 'v', settings: { responseMapping: { livenessStatus: 'a..b' } } } }, 'verihubs'),
    ).toThrow(ConfigurationError);
  });
});

describe('creating a check with a provider choice', () => {
  it('refuses a known provider this deployment did not enable, listing the enabled ones', async () => {
    await expect(createCheck(deps({ fpt: { secretId: 'f' } }), { provider: 'senseid' })).rejects.toThrow(
      new ValidationError('provider "senseid" is not enabled here; enabled: fpt'),
    );
  });

  it('refuses parts the chosen provider cannot take, naming what it takes', async () => {
    const d = deps({ fpt: { secretId: 'f' }, senseid: { secretId: 's' }, verihubs: { secretId: 'v' } });
    await expect(createCheck(d, { provider: 'senseid', parts: ['video'] })).rejects.toThrow(/it takes \[video, reference\]$/);
    await expect(createCheck(d, { provider: 'verihubs', parts: ['selfie', 'reference'] })).rejects.toThrow(
      /it takes \[selfie\]$/,
    );
  });
});
