#!/usr/bin/env node
// The CDK app: the only place that reads context and environment; everything below takes props.
// Context comes from cdk.json or `-c key=value` (JSON values, or a comma list for providers/corsOrigins).
// Provider and runtime settings are parsed with the schemas the stack and the functions use.
import { App, Aspects, Duration } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as z from 'zod';
import { gatewayConfigSchema } from '../src/core/config';
import { providerPropsSchema } from '../lib/constructs/provider-secrets';
import { runtimeSettingsSchema } from '../lib/gateway-config';
import { LOG_LEVELS } from '../lib/gateway-function';
import { LivenessGatewayStack } from '../lib/liveness-gateway-stack';

const app = new App();

/** `-c` values arrive as strings; cdk.json values arrive as JSON. Accept both. */
function contextValue(key: string): unknown {
  const raw: unknown = app.node.tryGetContext(key);
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const commaList = (value: unknown): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;

const contextSchema = z.object({
  stackName: z.string().min(1).default('LivenessGateway'),
  providers: z.preprocess((value) => {
    const list = commaList(value);
    return Array.isArray(list) ? list.map((item: unknown) => (typeof item === 'string' ? { id: item } : item)) : list;
  }, z.array(providerPropsSchema).min(1)),
  defaultProvider: gatewayConfigSchema.shape.defaultProvider,
  corsOrigins: z.preprocess(commaList, z.array(z.string())).default([]),
  // uploadExpirySeconds, processingLeaseSeconds, …: optional, with the runtime's ranges.
  ...runtimeSettingsSchema.shape,
  processorConcurrency: z.number().int().optional(),
  processorBatchSize: z.number().int().optional(),
  apiThrottle: z.object({ rateLimit: z.number(), burstLimit: z.number() }).optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  sweepIntervalMinutes: z.number().int().optional(),
  // Outcome events: -c eventBusName=my-bus -c webhookEndpoints=https://a.example/hooks,https://b.example/hooks
  eventBusName: z.string().min(1).optional(),
  webhookEndpoints: z.preprocess(commaList, z.array(z.string())).optional(),
  allowPrivateWebhookTargets: z.boolean().optional(),
  webhookSecretName: z.string().min(1).optional(),
  // Alarms (lib/constructs/monitoring.ts checks the values): -c alarmEmail=oncall@example.com
  alarmEmail: z.string().optional(),
  providerFailureRatePercent: z.number().optional(),
  api5xxThreshold: z.number().int().optional(),
  stuckChecksThreshold: z.number().int().optional(),
  replayedMediaThreshold: z.number().int().optional(),
  // -c capturePage=true: the capture page on S3 + CloudFront (built at synth), its origin allowed in CORS.
  capturePage: z.boolean().optional(),
  // -c jwtAuthorizer='{"issuer":"https://...","audience":["client-id"]}'; absent: IAM on POST /v1/checks.
  jwtAuthorizer: z
    .object({
      issuer: z.url({ protocol: /^https$/ }),
      audience: z.preprocess(commaList, z.array(z.string().min(1)).min(1)),
    })
    .strict()
    .optional(),
});

const keys = Object.keys(contextSchema.shape);
const parsed = contextSchema.safeParse(Object.fromEntries(keys.map((key) => [key, contextValue(key)])));
if (!parsed.success) {
  throw new Error(`Invalid CDK context for LivenessGateway:\n${z.prettifyError(parsed.error)}`);
}
const { stackName, sweepIntervalMinutes, ...context } = parsed.data;

new LivenessGatewayStack(app, stackName, {
  ...context,
  ...(sweepIntervalMinutes !== undefined ? { sweepInterval: Duration.minutes(sweepIntervalMinutes) } : {}),
  description: 'Liveness Gateway: face-liveness checks through a configurable provider',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
