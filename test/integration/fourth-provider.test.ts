// Adding a provider is one folder and one entry in the adapter list: a fourth provider from a
// fixture folder runs a whole check on the local stack with no other change anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { defineProvider } from '../../src/providers/provider';
import { fixture } from '../support/api-client';
import { outcomeOf, runProviderCheck } from '../support/provider-checks';
import { acmeAdapter } from '../fixtures/providers/acme/adapter';
import type { AcmeSimulator } from '../fixtures/providers/acme/simulator';

const VIDEO = fixture('face_moving.mp4');

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    env: { LIVENESS_PROVIDER: 'acme' },
    sweepIntervalMs: 0,
    extraProviders: [defineProvider(acmeAdapter)],
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a fourth provider from its own folder', () => {
  it('is enabled beside the built-in ones and is the default when configured so', () => {
    expect(stack.deps.providers.enabled).toEqual(['fpt', 'senseid', 'verihubs', 'acme']);
    expect(stack.deps.providers.defaultProvider).toBe('acme');
  });

  it('judges a real upload: created, uploaded, vetted, sent to the acme simulator, COMPLETED PASS', async () => {
    const { check, body } = await runProviderCheck(stack.apiUrl, 'acme', {
      video: { bytes: VIDEO, contentType: 'video/mp4' },
    });

    expect(check.provider).toBe('acme');
    expect(outcomeOf(body)).toBe('COMPLETED PASS');
    expect(body).toMatchObject({ provider: 'acme', liveness: { live: true, score: 0.93 } });
    const simulator = stack.simulators.acme as AcmeSimulator | undefined;
    expect(simulator?.videoBytes).toEqual([VIDEO.length]);
  });

  it('refuses parts the acme profile does not take, as for any provider', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'acme', parts: ['selfie'] }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'INVALID_REQUEST', message: 'provider "acme" cannot take parts [selfie]; it takes [video]' },
    });
  });
});
