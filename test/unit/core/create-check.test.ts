import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/core/config';
import { ValidationError } from '../../../src/core/errors';
import { hashPollToken, pollTokenMatches } from '../../../src/core/poll-token';
import { createCheck, type CreateCheckDeps } from '../../../src/core/use-cases/create-check';
import { buildProviderRegistry } from '../../../src/providers/registry';
import { FakeUploadSigner, InMemoryAuditLog, InMemoryCheckRepository } from '../../support/in-memory';

const NOW = new Date('2026-11-22T10:00:00Z');

function deps(): CreateCheckDeps & { checks: InMemoryCheckRepository; audit: InMemoryAuditLog; signer: FakeUploadSigner } {
  const config = parseGatewayConfig({
    checksTable: 'checks',
    auditTable: 'audit',
    mediaBucket: 'media',
    defaultProvider: 'fpt',
    providers: { fpt: { secretId: 'fpt-secret' } },
  });
  return {
    checks: new InMemoryCheckRepository(),
    audit: new InMemoryAuditLog(),
    signer: new FakeUploadSigner(),
    providers: buildProviderRegistry(config),
    clock: { now: () => NOW },
    uploadExpirySeconds: 900,
    checkRetentionDays: 30,
    uploadGraceSeconds: 300,
  };
}

describe('createCheck', () => {
  it("declares the provider's usual parts when none are asked for and signs one form per part", async () => {
    const d = deps();
    const created = await createCheck(d, {});
    expect(created.provider).toBe('fpt');
    expect(created.parts).toEqual(['video', 'reference']);
    expect(d.signer.requests.map((r) => r.key)).toEqual([
      `checks/${created.checkId}/video`,
      `checks/${created.checkId}/reference`,
    ]);
    expect(d.signer.requests[0]).toMatchObject({
      maxBytes: 10 * 1024 * 1024,
      contentTypePrefix: 'video/',
      expiresInSeconds: 900,
    });
    expect(d.signer.requests[1]).toMatchObject({ maxBytes: 5 * 1024 * 1024, contentTypePrefix: 'image/' });
    expect(created.uploads.video?.contentTypes).toContain('video/webm');
    expect(created.expiresAt).toBe('2026-11-22T10:15:00.000Z');
  });

  it('stores only a hash of the poll token, and the token is at least 128 random bits', async () => {
    const d = deps();
    const created = await createCheck(d, { externalRef: 'applicant-42' });
    const stored = d.checks.items.get(created.checkId);
    expect(Buffer.from(created.pollToken, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(stored?.pollTokenHash).toBe(hashPollToken(created.pollToken));
    expect(JSON.stringify(stored)).not.toContain(created.pollToken);
    expect(JSON.stringify(d.audit.entries)).not.toContain(created.pollToken);
    expect(pollTokenMatches(created.pollToken, stored?.pollTokenHash ?? '')).toBe(true);
    expect(pollTokenMatches(`${created.pollToken}x`, stored?.pollTokenHash ?? '')).toBe(false);
  });

  it('refuses a provider that is not enabled, naming the enabled ones', async () => {
    await expect(createCheck(deps(), { provider: 'acme' })).rejects.toThrow(
      new ValidationError('provider "acme" is not enabled here; enabled: fpt'),
    );
  });

  it('refuses a parts combination the provider cannot take, saying what it takes', async () => {
    await expect(createCheck(deps(), { parts: ['video', 'selfie'] })).rejects.toThrow(/cannot take parts \[video, selfie\]/);
  });

  it('audits the creation without the token or the external reference value', async () => {
    const d = deps();
    const created = await createCheck(d, { externalRef: 'applicant-42' });
    expect(d.audit.entries).toHaveLength(1);
    expect(d.audit.entries[0]).toMatchObject({ checkId: created.checkId, type: 'CHECK_CREATED' });
  });
});
