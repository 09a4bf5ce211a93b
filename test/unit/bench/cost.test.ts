// The cost table's inputs: the memory sizes must be the deployed ones, and each line must be
// quantity × unit price × 1,000.
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LivenessGatewayStack } from '../../../lib/liveness-gateway-stack';
import { costLines, FUNCTION_MEMORY_MB, PRICES, totalPer1000, type Figures } from '../../../scripts/cost';

const SYNTH_TIMEOUT_MS = 60_000;

// Each function's description in lib/liveness-gateway-stack.ts, by function folder.
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  'Liveness Gateway POST /v1/checks': 'create-check',
  'Liveness Gateway GET /v1/checks/{checkId}': 'get-check',
  'Liveness Gateway GET /v1/checks/{checkId}/result': 'get-check-result',
  'Liveness Gateway DELETE /v1/checks/{checkId}': 'erase-check',
  'Liveness Gateway upload processor': 'process-upload',
  'Liveness Gateway scheduled sweep': 'sweep',
};

interface FunctionResource {
  readonly Properties?: { readonly Description?: string; readonly MemorySize?: number; readonly Architectures?: string[] };
}

const FIGURES: Figures = {
  requestsPerCheck: {
    dynamodbReads: 3,
    dynamodbWrites: 17,
    dynamodbAuditWrites: 10,
    dynamodbRru: 3,
    dynamodbWru: 20,
    dynamodbAuditWru: 12,
    s3PutClass: 2,
    s3PresignedPostUploads: 2,
    s3GetClass: 8,
    s3Delete: 2,
    sqs: 6,
    sqsMessages: 2,
    secretsManager: 1,
    apiGatewayRequests: 2,
    eventBridgePutEvents: 0,
    lambdaInvocations: { 'create-check': 1, 'process-upload': 2 },
  },
  handlers: {
    'create-check': { medianMs: 9.2, invocationsPerCheck: 1, billedMsPerCheck: 10 },
    'process-upload': { medianMs: 40, invocationsPerCheck: 2, billedMsPerCheck: 100 },
  },
  logBytesPerCheck: 400,
  mediaBytesPerCheck: 1024 ** 3,
  mediaSecondsPerCheck: 3600,
};

describe('cost inputs', () => {
  it(
    'FUNCTION_MEMORY_MB is the memory every deployed function gets (default props), all on arm64',
    () => {
      // Prepare: the stack as deployed, bundling skipped
      const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
        context?: Record<string, unknown>;
      };
      const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
      const stack = new LivenessGatewayStack(app, 'Gateway', {
        providers: [{ id: 'fpt' }],
        defaultProvider: 'fpt',
        corsOrigins: ['https://app.example.com'],
      });

      // Act
      const functions: Record<string, FunctionResource> = Template.fromStack(stack).findResources('AWS::Lambda::Function');
      const deployed: Record<string, number | undefined> = {};
      const architectures = new Set<string>();
      for (const resource of Object.values(functions)) {
        const name = DESCRIPTIONS[resource.Properties?.Description ?? ''];
        if (!name) continue;
        deployed[name] = resource.Properties?.MemorySize;
        for (const architecture of resource.Properties?.Architectures ?? []) architectures.add(architecture);
      }

      // Assess
      expect(deployed).toEqual(FUNCTION_MEMORY_MB);
      expect([...architectures]).toEqual(['arm64']);
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('costLines', () => {
  it('prices each measured quantity per 1,000 checks', () => {
    // Act
    const lines = costLines(FIGURES);
    const byItem = (prefix: string) => lines.find((line) => line.item.startsWith(prefix));

    // Assess: Lambda duration from the billed milliseconds and the memory size
    expect(byItem('Lambda process-upload')?.quantityPerCheck).toBeCloseTo((100 / 1000) * (1024 / 1024));
    expect(byItem('Lambda create-check')?.quantityPerCheck).toBeCloseTo((10 / 1000) * (256 / 1024));
    expect(byItem('Lambda requests')?.quantityPerCheck).toBe(3);
    // the audit table's WRU apart from the checks table's
    expect(byItem('DynamoDB writes, audit')?.quantityPerCheck).toBe(12);
    expect(byItem('DynamoDB writes, checks')?.quantityPerCheck).toBe(8);
    // 1 GiB for an hour is 1/730 GB-month
    expect(byItem('S3 storage')?.quantityPerCheck).toBeCloseTo(1 / 730);
    for (const line of lines) expect(line.usdPer1000Checks).toBeCloseTo(line.quantityPerCheck * line.price.usd * 1000, 12);
    expect(totalPer1000(lines)).toBeCloseTo(
      lines.reduce((sum, line) => sum + line.usdPer1000Checks, 0),
      12,
    );
  });

  it('refuses a function whose memory size it does not know', () => {
    expect(() =>
      costLines({ ...FIGURES, handlers: { mystery: { medianMs: 1, invocationsPerCheck: 1, billedMsPerCheck: 1 } } }),
    ).toThrow(/mystery/);
  });

  it('states a source for every price and marks the one the stored pages lacked', () => {
    const unverified = Object.entries(PRICES).filter(([, price]) => 'unverified' in price);
    expect(unverified.map(([name]) => name)).toEqual(['rekognitionFaceLiveness']);
    for (const price of Object.values(PRICES)) expect(price.source).toMatch(/^https:\/\//);
  });
});
