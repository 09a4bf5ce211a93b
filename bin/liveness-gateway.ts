#!/usr/bin/env node
// The CDK app: the only place that reads context and environment; everything below takes props.
// Context comes from cdk.json or `-c key=value` (JSON values, or a comma list for providers/corsOrigins).
import { App, Aspects, Duration } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as z from 'zod';
import { PROVIDER_IDS } from '../src/providers/registry';
import { providerConfigSchema } from '../src/core/config';
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

const providerIdSchema = z.enum(PROVIDER_IDS);
const contextSchema = z.object({
  stackName: z.string().min(1).default('LivenessGateway'),
  providers: z.preprocess(
    (value) => {
      const list = commaList(value);
      return Array.isArray(list) ? list.map((item: unknown) => (typeof item === 'string' ? { id: item } : item)) : list;
    },
    z
      .array(
        z
          .object({
            id: providerIdSchema,
            secretName: z.string().min(1).optional(),
            limits: providerConfigSchema.shape.limits,
            settings: z.record(z.string(), z.unknown()).optional(),
            timeoutMs: z.number().int().positive().optional(),
            maxAttempts: z.number().int().positive().optional(),
            totalBudgetMs: z.number().int().positive().optional(),
            reviewBand: providerConfigSchema.shape.reviewBand,
          })
          .strict(),
      )
      .min(1),
  ),
  defaultProvider: providerIdSchema,
  corsOrigins: z.preprocess(commaList, z.array(z.string())).default([]),
  uploadExpirySeconds: z.number().int().optional(),
  checkRetentionDays: z.number().int().optional(),
  secretCacheSeconds: z.number().int().optional(),
  processorConcurrency: z.number().int().optional(),
  processorBatchSize: z.number().int().optional(),
  apiThrottle: z.object({ rateLimit: z.number(), burstLimit: z.number() }).optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).optional(),
  mediaRetentionSeconds: z.number().int().optional(),
  maxProcessingAttempts: z.number().int().optional(),
  uploadGraceSeconds: z.number().int().optional(),
  // Normally derived from the processor timeout; the stack refuses a value that does not exceed it.
  processingLeaseSeconds: z.number().int().optional(),
  sweepIntervalMinutes: z.number().int().optional(),
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
