import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/core/check';
import { parseGatewayConfig } from '../../../src/core/config';
import { applyReviewBand } from '../../../src/core/use-cases/process-upload';
import { buildProviderRegistry, type EnabledProvider } from '../../../src/providers/registry';

function fpt(reviewBand?: { low: number; high: number }): EnabledProvider {
  const config = parseGatewayConfig({
    checksTable: 'c',
    auditTable: 'a',
    mediaBucket: 'm',
    defaultProvider: 'fpt',
    providers: { fpt: { secretId: 's', ...(reviewBand ? { reviewBand } : {}) } },
  });
  const provider = buildProviderRegistry(config).get('fpt');
  if (!provider) throw new Error('fpt not enabled');
  return provider;
}

const pass = (score: number): CheckResult => ({ decision: 'PASS', reasons: [], liveness: { live: true, score } });

describe('the review band', () => {
  it('sends a PASS whose liveness score lies inside the band to REVIEW, saying why', () => {
    const result = applyReviewBand(pass(0.62), fpt({ low: 0.5, high: 0.7 }));
    expect(result.decision).toBe('REVIEW');
    expect(result.reasons).toEqual([{ code: 'NEEDS_REVIEW', message: 'liveness score 0.620 is in the review band' }]);
  });

  it.each([0.49, 0.71])('leaves a PASS with score %s (outside the band) alone', (score) => {
    expect(applyReviewBand(pass(score), fpt({ low: 0.5, high: 0.7 })).decision).toBe('PASS');
  });

  it('never turns a FAIL into REVIEW, and does nothing without a configured band', () => {
    const fail: CheckResult = { decision: 'FAIL', reasons: [], liveness: { live: false, score: 0.6 } };
    expect(applyReviewBand(fail, fpt({ low: 0.5, high: 0.7 })).decision).toBe('FAIL');
    expect(applyReviewBand(pass(0.6), fpt()).decision).toBe('PASS');
  });

  it('refuses a band whose low end lies above its high end', () => {
    expect(() => fpt({ low: 0.8, high: 0.2 })).toThrow(/reviewBand\.low must not exceed reviewBand\.high/);
  });
});
