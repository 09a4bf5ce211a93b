// Construct-level tests: each part of the stack checks its own props and hands out what the others
// need. The whole stack's properties are asserted in liveness-gateway-stack.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CheckTables } from '../../lib/constructs/check-tables';
import { GatewayApi } from '../../lib/constructs/gateway-api';
import { MediaStorage } from '../../lib/constructs/media-storage';
import { providerPropsSchema, ProviderSecrets, type ProviderProps } from '../../lib/constructs/provider-secrets';
import { Sweep } from '../../lib/constructs/sweep';
import { UploadProcessor, type UploadProcessorOptions } from '../../lib/constructs/upload-processor';
import { runtimeSettingsSchema } from '../../lib/gateway-config';
import { gatewayConfigSchema } from '../../src/core/config';
import { logicalId, newApp } from './synth-helpers';

const newStack = () => new Stack(newApp(), 'Parts');

function parts(stack: Stack, providers: readonly ProviderProps[] = [{ id: 'fpt' }]) {
  const secrets = new ProviderSecrets(stack, 'Secrets', { providers, defaultProvider: 'fpt' });
  const storage = new MediaStorage(stack, 'Storage', { corsOrigins: [] });
  const tables = new CheckTables(stack, 'Tables');
  const gatewayConfig = {
    checksTable: tables.checksTable.tableName,
    auditTable: tables.auditTable.tableName,
    mediaBucket: storage.bucket.bucketName,
    ...secrets.config,
  };
  return { secrets, storage, tables, gatewayConfig };
}

function processor(stack: Stack, options: UploadProcessorOptions = {}, providers?: readonly ProviderProps[]) {
  const made = parts(stack, providers);
  return { ...made, processor: new UploadProcessor(stack, 'Processor', { ...made, ...options }) };
}

describe('ProviderSecrets', () => {
  it('refuses a provider the catalogue does not know, naming the known ones', () => {
    // Prepare: a JavaScript caller (or a bad cast) can pass any id.
    const providers = [{ id: 'acme' }] as unknown as ProviderProps[];

    // Act / Assess
    expect(() => new ProviderSecrets(newStack(), 'Secrets', { providers, defaultProvider: 'fpt' })).toThrow(
      /Invalid ProviderSecrets props:[\s\S]*unknown provider "acme" \(known: fpt, senseid, verihubs\)/,
    );
  });

  it('refuses an empty provider list before making any secret', () => {
    const stack = newStack();

    expect(() => new ProviderSecrets(stack, 'Secrets', { providers: [], defaultProvider: 'fpt' })).toThrow(
      /enable at least one provider/,
    );
    expect(resourcesIn(stack)).toEqual([]);
  });

  it('puts the provider settings into the configuration beside the secret id, without id or secretName', () => {
    const secrets = new ProviderSecrets(newStack(), 'Secrets', {
      providers: [{ id: 'fpt', secretName: 'prod/fpt', timeoutMs: 5_000, reviewBand: { low: 0.4, high: 0.6 } }],
      defaultProvider: 'fpt',
    });

    expect(secrets.config).toEqual({
      defaultProvider: 'fpt',
      providers: { fpt: { secretId: 'prod/fpt', timeoutMs: 5_000, reviewBand: { low: 0.4, high: 0.6 } } },
    });
    expect(secrets.operatorNote(secrets.providers[0] ?? fail())).toMatch(/^Existing secret used for fpt credentials: \{"apiKey"/);
  });
});

describe('provider props schema (shared by the stack props and the CDK context)', () => {
  it('takes the runtime provider settings and their ranges from the config schema', () => {
    expect(providerPropsSchema.safeParse({ id: 'fpt', maxAttempts: 3, totalBudgetMs: 90_000 }).success).toBe(true);
    // maxAttempts is 1–10 in the runtime schema.
    expect(providerPropsSchema.safeParse({ id: 'fpt', maxAttempts: 11 }).success).toBe(false);
    expect(providerPropsSchema.safeParse({ id: 'fpt', secretId: 'x' }).success).toBe(false);
    expect(providerPropsSchema.safeParse({ id: 'fpt', unknownSetting: 1 }).success).toBe(false);
  });

  it('fills the runtime defaults the functions would apply themselves', () => {
    const parsed = providerPropsSchema.parse({ id: 'fpt' });
    const runtime = gatewayConfigSchema.shape.providers.parse({ fpt: { secretId: 's' } }).fpt;

    expect(parsed).toMatchObject({
      timeoutMs: runtime?.timeoutMs,
      maxAttempts: runtime?.maxAttempts,
      totalBudgetMs: runtime?.totalBudgetMs,
    });
  });

  it('leaves absent runtime settings absent, so the runtime applies its own defaults', () => {
    expect(runtimeSettingsSchema.parse({})).toEqual({});
    expect(runtimeSettingsSchema.safeParse({ uploadExpirySeconds: 901 }).success).toBe(false);
  });
});

describe('MediaStorage', () => {
  it('rounds the safety net up to whole days, never under one', () => {
    const stack = newStack();
    const short = new MediaStorage(stack, 'Short', { corsOrigins: [] });
    const long = new MediaStorage(stack, 'Long', { corsOrigins: [] });

    short.expireUnprocessedMedia(Duration.seconds(1));
    long.expireUnprocessedMedia(Duration.seconds(86_401));

    const rules = (storage: MediaStorage) =>
      Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(storage.bucket.node.defaultChild as never)]?.Properties
        ?.LifecycleConfiguration?.Rules;
    expect(rules(short)).toEqual([expect.objectContaining({ Prefix: 'checks/', ExpirationInDays: 1 })]);
    expect(rules(long)).toEqual([expect.objectContaining({ Prefix: 'checks/', ExpirationInDays: 2 })]);
  });

  it('refuses a second safety-net rule', () => {
    const storage = new MediaStorage(newStack(), 'Storage', { corsOrigins: [] });
    storage.expireUnprocessedMedia(Duration.days(1));

    expect(() => storage.expireUnprocessedMedia(Duration.days(2))).toThrow(/already set/);
  });

  it('refuses an origin with a path before making a bucket', () => {
    const stack = newStack();

    expect(() => new MediaStorage(stack, 'Storage', { corsOrigins: ['https://app.example.com/upload'] })).toThrow(
      /Invalid MediaStorage props:[\s\S]*corsOrigins/,
    );
    expect(resourcesIn(stack)).toEqual([]);
  });
});

describe('UploadProcessor', () => {
  it('derives the lease from its timeout and runs every function with the runtime defaults filled in', () => {
    const { processor: made } = processor(newStack(), { processorTimeout: Duration.minutes(4) });

    expect(made.gatewayConfig.processingLeaseSeconds).toBe(4 * 60 + 60);
    // Defaults come from the runtime schema, not from lib/.
    const runtimeDefaults = gatewayConfigSchema.parse({
      checksTable: 't',
      auditTable: 'a',
      mediaBucket: 'b',
      defaultProvider: 'fpt',
      providers: { fpt: { secretId: 's' } },
    });
    expect(made.gatewayConfig).toMatchObject({
      uploadExpirySeconds: runtimeDefaults.uploadExpirySeconds,
      maxProcessingAttempts: runtimeDefaults.maxProcessingAttempts,
      uploadGraceSeconds: runtimeDefaults.uploadGraceSeconds,
    });
  });

  it('refuses a batch size and a timeout Lambda and SQS cannot honour, listing both', () => {
    const attempt = () =>
      processor(newStack(), { processorBatchSize: 6, processorTimeout: Duration.minutes(16) }, [
        { id: 'fpt', totalBudgetMs: 60_000 },
      ]);

    expect(attempt).toThrow(
      /processorBatchSize: must be an integer from 1 to 5\n- processorTimeout: Lambda allows at most 15 minutes/,
    );
  });

  it('lets only the function it grants send resume requests, to its own queue', () => {
    const stack = newStack();
    const { processor: made, storage, tables } = processor(stack);

    const sweep = new Sweep(stack, 'Sweep', { gatewayConfig: made.gatewayConfig, storage, tables, processor: made });

    const policies: Record<string, { Properties?: { Roles?: unknown; PolicyDocument?: unknown } }> =
      Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const senders = Object.values(policies).filter((policy) =>
      JSON.stringify(policy.Properties?.PolicyDocument).includes('sqs:SendMessage'),
    );
    expect(senders.map((policy) => policy.Properties?.Roles)).toEqual([[{ Ref: logicalId(sweep.function.role) }]]);
    expect(JSON.stringify(senders[0]?.Properties?.PolicyDocument)).toContain(logicalId(made.queue));
  });
});

describe('Sweep', () => {
  it('keeps media at most as long as forms, grace, every attempt’s lease and sweep runs, and the longer of the keep and review windows allow', () => {
    const stack = newStack();
    const { processor: made, storage, tables } = processor(stack);
    const config = made.gatewayConfig;

    const sweep = new Sweep(stack, 'Sweep', {
      gatewayConfig: config,
      storage,
      tables,
      processor: made,
      sweepInterval: Duration.minutes(10),
    });

    expect(sweep.mediaKeptAtMost.toSeconds()).toBe(
      config.uploadExpirySeconds +
        config.uploadGraceSeconds +
        config.maxProcessingAttempts * (config.processingLeaseSeconds + 600) +
        Math.max(config.mediaRetentionSeconds, config.reviewWindowSeconds) +
        600,
    );
  });

  it('refuses an interval that is not whole minutes', () => {
    const stack = newStack();
    const { processor: made, storage, tables } = processor(stack);

    expect(
      () =>
        new Sweep(stack, 'Sweep', {
          gatewayConfig: made.gatewayConfig,
          storage,
          tables,
          processor: made,
          sweepInterval: Duration.seconds(30),
        }),
    ).toThrow(/Invalid Sweep props:[\s\S]*sweepInterval/);
  });
});

describe('GatewayApi', () => {
  it('refuses a throttle that is not positive before making a function', () => {
    const stack = newStack();
    const { processor: made, storage, tables } = processor(stack);
    const before = resourcesIn(stack);

    expect(
      () =>
        new GatewayApi(stack, 'Api', {
          gatewayConfig: made.gatewayConfig,
          storage,
          tables,
          corsOrigins: [],
          apiThrottle: { rateLimit: 0, burstLimit: 10 },
        }),
    ).toThrow(/Invalid GatewayApi props:[\s\S]*apiThrottle/);
    expect(resourcesIn(stack)).toEqual(before);
  });
});

describe('provider catalogue', () => {
  it('is the only module of lib/ and bin/ that reads the provider catalogue', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const files = ['lib', 'lib/constructs', 'bin'].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => join(dir, name)),
    );
    const readers = files.filter((file) => /from '(\.\.\/)+src\/core\/check'/.test(readFileSync(join(root, file), 'utf8')));

    expect(readers).toEqual(['lib/provider-catalogue.ts']);
  });
});

/** The CloudFormation resources made so far (a template cannot be synthesised from an empty stack). */
function resourcesIn(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((construct) => construct instanceof CfnResource)
    .map((construct) => construct.node.path);
}

function fail(): never {
  throw new Error('expected a provider');
}
