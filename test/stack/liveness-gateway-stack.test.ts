// Stack tests: specific properties (encryption, IAM, wiring) and cdk-nag, never whole-template snapshots.
// Bundling is skipped (aws:cdk:bundling-stacks = []), and each configuration is synthesised once.
import { Aspects, Duration, Stack, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LivenessGatewayStack, type LivenessGatewayStackProps } from '../../lib/liveness-gateway-stack';
import { MEDIA_PREFIX } from '../../lib/gateway-function';
import {
  AUDIT_TABLE_KEYS,
  APPLICANT_KEY_PREFIX,
  CHECKS_REVIEW_INDEX,
  MEDIA_FINGERPRINT_KEY_PREFIX,
  CHECKS_SWEEP_INDEX,
  CHECKS_TABLE_KEYS,
  CHECKS_TTL_ATTRIBUTE,
} from '../../src/adapters/aws/table-schema';
import { parseGatewayConfig } from '../../src/core/config';
import { mediaKey } from '../../src/core/ports';
import { worstChainMs } from '../../lib/constructs/upload-processor';
import { logicalId, nagFindings, newApp } from './synth-helpers';

const SYNTH_TIMEOUT_MS = 60_000;

const BASE_PROPS: LivenessGatewayStackProps = {
  providers: [{ id: 'fpt' }],
  defaultProvider: 'fpt',
  corsOrigins: ['https://app.example.com'],
};

interface Synthesised {
  readonly stack: LivenessGatewayStack;
  readonly template: Template;
}

function synth(app: App, props: Partial<LivenessGatewayStackProps> = {}): Synthesised {
  const stack = new LivenessGatewayStack(app, 'Gateway', { ...BASE_PROPS, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

interface Statement {
  readonly policy: string;
  readonly roles: readonly string[];
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
  readonly condition?: unknown;
}

// Template queries return index signatures of `any`; these shapes (top level optional, so they
// accept them without a cast) say which parts the tests rely on.
interface PolicyResource {
  readonly Properties?: {
    readonly Roles?: readonly { readonly Ref: string }[];
    readonly PolicyDocument: {
      readonly Statement: readonly {
        readonly Effect: string;
        readonly Action: string | readonly string[];
        readonly Resource: unknown;
        readonly Condition?: unknown;
      }[];
    };
  };
}

const asArray = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [value]);
const asStrings = (value: unknown): readonly string[] => asArray(value).filter((item) => typeof item === 'string');

/** Every identity-policy statement in the template, flattened. */
function statements(template: Template): Statement[] {
  const policies: Record<string, PolicyResource> = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies).flatMap(([policy, resource]) =>
    (resource.Properties?.PolicyDocument.Statement ?? []).map((statement) => ({
      policy,
      roles: (resource.Properties?.Roles ?? []).map((role) => role.Ref),
      effect: statement.Effect,
      actions: asStrings(statement.Action),
      resources: asArray(statement.Resource),
      ...(statement.Condition !== undefined ? { condition: statement.Condition } : {}),
    })),
  );
}

const mentions = (resource: unknown, id: string): boolean => JSON.stringify(resource).includes(`"${id}"`);

/** A grant held to one lookup index's items (its key prefix), not a grant on check records. */
const onIndexItems = (statement: Pick<Statement, 'condition'>): boolean =>
  typeof statement.condition === 'object' && statement.condition !== null && 'ForAllValues:StringLike' in statement.condition;

/** The condition every grant on check records carries: the lookup indexes' items are out of reach. */
const NOT_INDEX_ITEMS = {
  'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [`${APPLICANT_KEY_PREFIX}*`, `${MEDIA_FINGERPRINT_KEY_PREFIX}*`] },
};

function statementsOfRole(template: Template, roleId: string): Statement[] {
  return statements(template).filter((statement) => statement.roles.includes(roleId));
}

function actionsOfRole(template: Template, roleId: string): string[] {
  return statementsOfRole(template, roleId).flatMap((statement) => statement.actions);
}

/** Turns an intrinsic-laden value into a plain string so a JSON document built with tokens can be parsed. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    if ('Ref' in value && typeof value.Ref === 'string') return `ref:${value.Ref}`;
    if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) return `getatt:${value['Fn::GetAtt'].join('.')}`;
    if ('Fn::Join' in value && Array.isArray(value['Fn::Join'])) {
      const [separator, parts] = value['Fn::Join'];
      if (typeof separator === 'string' && Array.isArray(parts)) return parts.map(flatten).join(separator);
    }
  }
  throw new Error(`Cannot flatten ${JSON.stringify(value)}`);
}

interface FunctionResource {
  readonly Properties?: { readonly Environment: { readonly Variables: Record<string, unknown> } };
}

function gatewayConfigOf(template: Template, functionId: string) {
  const functions: Record<string, FunctionResource> = template.findResources('AWS::Lambda::Function');
  const variables = functions[functionId]?.Properties?.Environment.Variables;
  if (!variables) throw new Error(`no function ${functionId}`);
  return parseGatewayConfig(JSON.parse(flatten(variables.GATEWAY_CONFIG)));
}

type FunctionName = keyof LivenessGatewayStack['functions'];

/** The logical id of each function's role, or of the function itself, by the stack's function name. */
function idsOf(stack: LivenessGatewayStack, part: 'role' | 'function'): Record<FunctionName, string> {
  const entries = Object.entries(stack.functions).map(([name, fn]) => [name, logicalId(fn[part])]);
  return Object.fromEntries(entries) as Record<FunctionName, string>;
}

const roleIds = (stack: LivenessGatewayStack) => idsOf(stack, 'role');
const functionIds = (stack: LivenessGatewayStack) => idsOf(stack, 'function');

/** Data-plane actions of a role (DynamoDB, S3, SQS, Secrets Manager), sorted; logs, X-Ray and KMS left out. */
function dataActionsOfRole(template: Template, roleId: string): string[] {
  return actionsOfRole(template, roleId)
    .filter((a) => /^(dynamodb|s3|sqs|secretsmanager):/.test(a))
    .sort();
}

/** The resources a role may apply `action` to. */
function resourcesOfRoleFor(template: Template, roleId: string, action: string): unknown[] {
  return statementsOfRole(template, roleId)
    .filter((s) => s.actions.includes(action))
    .flatMap((s) => s.resources);
}

function routeOf(template: Template, routeKey: string) {
  const routes: Record<string, { Properties?: { RouteKey: string; AuthorizationType?: string; AuthorizerId?: unknown } }> =
    template.findResources('AWS::ApiGatewayV2::Route');
  const route = Object.values(routes).find((r) => r.Properties?.RouteKey === routeKey);
  if (!route?.Properties) throw new Error(`no route ${routeKey}`);
  return route.Properties;
}

const mediaObjects = (bucketId: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/checks/*']] });

describe('LivenessGatewayStack with one provider (defaults)', () => {
  let stack: LivenessGatewayStack;
  let template: Template;
  let ids: {
    mediaBucket: string;
    accessLogsBucket: string;
    checksTable: string;
    auditTable: string;
    queue: string;
    dlq: string;
    fptSecret: string;
    sweepRule: string;
    roles: Record<FunctionName, string>;
    functions: Record<FunctionName, string>;
  };

  beforeAll(() => {
    ({ stack, template } = synth(newApp()));
    const secret = stack.providerSecrets.fpt;
    if (!secret) throw new Error('fpt secret missing');
    ids = {
      mediaBucket: logicalId(stack.mediaBucket),
      accessLogsBucket: logicalId(stack.parts.storage.accessLogsBucket),
      checksTable: logicalId(stack.checksTable),
      auditTable: logicalId(stack.auditTable),
      queue: logicalId(stack.uploadQueue),
      dlq: logicalId(stack.uploadDeadLetterQueue),
      fptSecret: logicalId(secret),
      sweepRule: logicalId(stack.sweepSchedule),
      roles: roleIds(stack),
      functions: functionIds(stack),
    };
  }, SYNTH_TIMEOUT_MS);

  describe('media bucket', () => {
    it('blocks all public access, encrypts with S3-managed keys and logs access to a separate bucket', () => {
      template.hasResource('AWS::S3::Bucket', {
        Properties: {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          LoggingConfiguration: { DestinationBucketName: { Ref: ids.accessLogsBucket } },
          VersioningConfiguration: Match.absent(),
        },
        DeletionPolicy: 'Retain',
      });
      expect(template.findResources('AWS::S3::Bucket')[ids.mediaBucket]).toBeDefined();
    });

    it('denies any request to the bucket that does not use TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: ids.mediaBucket },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('allows cross-origin POST uploads from the configured origins only', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        CorsConfiguration: {
          CorsRules: [Match.objectLike({ AllowedMethods: ['POST'], AllowedOrigins: ['https://app.example.com'] })],
        },
      });
    });

    it('keeps a lifecycle rule under checks/ past the 7-day review window as a safety net and aborts stale multipart uploads', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Prefix: 'checks/',
              // The media of a REVIEW check is kept 7 days for a person; the rule waits one day more.
              ExpirationInDays: 8,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              Status: 'Enabled',
            }),
          ],
        },
      });
    });

    it('notifies the upload queue of objects created under checks/ only', () => {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: ids.mediaBucket },
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'checks/' }] } },
              QueueArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
            },
          ],
        },
      });
    });

    it('grants on the same prefix the runtime writes media keys under', () => {
      expect(mediaKey('a-check-id', 'video').startsWith(MEDIA_PREFIX)).toBe(true);
    });
  });

  describe('upload queue and processor', () => {
    it('encrypts both queues, refuses non-TLS access and dead-letters a message after 3 receives', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        // 6 × the 2-minute processor timeout.
        VisibilityTimeout: 720,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] }, maxReceiveCount: 3 },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      for (const queue of [ids.queue, ids.dlq]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: queue }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('feeds the processor one notification at a time, reports partial failures and caps concurrency at 5', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
        FunctionName: { Ref: ids.functions.processUpload },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      });
    });
  });

  describe('tables', () => {
    it('keys checks by checkId, on demand, with PITR, encryption, TTL, the sweep and the review indexes', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: CHECKS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: { AttributeName: CHECKS_TTL_ATTRIBUTE, Enabled: true },
          GlobalSecondaryIndexes: [
            {
              IndexName: CHECKS_SWEEP_INDEX.indexName,
              KeySchema: [
                { AttributeName: CHECKS_SWEEP_INDEX.partitionKey, KeyType: 'HASH' },
                { AttributeName: CHECKS_SWEEP_INDEX.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
            {
              IndexName: CHECKS_REVIEW_INDEX.indexName,
              KeySchema: [
                { AttributeName: CHECKS_REVIEW_INDEX.partitionKey, KeyType: 'HASH' },
                { AttributeName: CHECKS_REVIEW_INDEX.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        },
        DeletionPolicy: 'Retain',
      });
    });

    it('declares the sweep index keys with the types the repository writes (shard S, sweepAt N)', () => {
      const tables: Record<string, { Properties?: { AttributeDefinitions: unknown } }> =
        template.findResources('AWS::DynamoDB::Table');
      expect(tables[ids.checksTable]?.Properties?.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: CHECKS_SWEEP_INDEX.partitionKey, AttributeType: 'S' },
          { AttributeName: CHECKS_SWEEP_INDEX.sortKey, AttributeType: 'N' },
        ]),
      );
      expect(JSON.stringify(tables[ids.checksTable])).not.toContain('byStatus');
    });

    it('keys the audit trail by checkId and seq, with PITR and encryption, and no TTL', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [
            { AttributeName: AUDIT_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
            { AttributeName: AUDIT_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: Match.absent(),
        },
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('HTTP API', () => {
    it('requires SigV4 on the backend routes (create, result, audit, erase) and leaves the poll route to the handler', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/checks', AuthorizationType: 'AWS_IAM' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /v1/checks/{checkId}/result',
        AuthorizationType: 'AWS_IAM',
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /v1/checks/{checkId}/audit',
        AuthorizationType: 'AWS_IAM',
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'DELETE /v1/checks/{checkId}',
        AuthorizationType: 'AWS_IAM',
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /v1/checks/{checkId}',
        AuthorizationType: 'NONE',
      });
      for (const routeKey of ['GET /v1/reviews', 'GET /v1/checks/{checkId}/media/{part}', 'POST /v1/checks/{checkId}/review']) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'AWS_IAM' });
      }
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 8);
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    });

    it('routes each path to its own function', () => {
      const routes: Record<string, { Properties?: { RouteKey: string; Target: unknown } }> =
        template.findResources('AWS::ApiGatewayV2::Route');
      const integrations: Record<string, { Properties?: { IntegrationUri: unknown } }> =
        template.findResources('AWS::ApiGatewayV2::Integration');
      const targetOf = (routeKey: string): string | undefined => {
        const route = Object.values(routes).find((r) => r.Properties?.RouteKey === routeKey);
        const integrationId = Object.keys(integrations).find((id) => mentions(route?.Properties?.Target, id));
        const integration = integrationId ? integrations[integrationId] : undefined;
        return Object.entries(ids.functions).find(([, fnId]) => mentions(integration?.Properties?.IntegrationUri, fnId))?.[0];
      };
      expect(targetOf('POST /v1/checks')).toBe('createCheck');
      expect(targetOf('GET /v1/checks/{checkId}')).toBe('getCheck');
      expect(targetOf('GET /v1/checks/{checkId}/result')).toBe('getCheckResult');
      expect(targetOf('GET /v1/checks/{checkId}/audit')).toBe('getCheckAudit');
      expect(targetOf('DELETE /v1/checks/{checkId}')).toBe('eraseCheck');
    });

    it('lets the configured origins poll with a bearer token (GET + Authorization)', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        CorsConfiguration: {
          AllowOrigins: ['https://app.example.com'],
          AllowMethods: ['GET'],
          AllowHeaders: ['authorization'],
        },
      });
    });

    it('throttles the default stage and writes access logs without request headers', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
      });
      const stages: Record<string, { Properties?: { AccessLogSettings: { Format: string } } }> =
        template.findResources('AWS::ApiGatewayV2::Stage');
      for (const stage of Object.values(stages)) {
        expect(stage.Properties?.AccessLogSettings.Format).not.toMatch(/header|authorization/i);
      }
    });
  });

  describe('functions', () => {
    it('run on ARM64 nodejs22.x with active tracing, their own log group and one GATEWAY_CONFIG', () => {
      for (const id of Object.values(ids.functions)) {
        expect(template.findResources('AWS::Lambda::Function')[id]).toMatchObject({
          Properties: {
            Runtime: 'nodejs22.x',
            Architectures: ['arm64'],
            TracingConfig: { Mode: 'Active' },
            LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
            Environment: {
              Variables: {
                GATEWAY_CONFIG: expect.anything(),
                NODE_OPTIONS: '--enable-source-maps',
                POWERTOOLS_SERVICE_NAME: 'liveness-gateway',
                POWERTOOLS_LOG_LEVEL: 'INFO',
              },
            },
          },
        });
      }
    });

    it('gives every function a GATEWAY_CONFIG the runtime schema accepts, naming this stack’s resources', () => {
      for (const id of Object.values(ids.functions)) {
        const config = gatewayConfigOf(template, id);
        expect(config).toMatchObject({
          checksTable: `ref:${ids.checksTable}`,
          auditTable: `ref:${ids.auditTable}`,
          mediaBucket: `ref:${ids.mediaBucket}`,
          defaultProvider: 'fpt',
          providers: { fpt: { secretId: `ref:${ids.fptSecret}` } },
          uploadExpirySeconds: 900,
          checkRetentionDays: 30,
        });
        expect(Object.keys(config.providers)).toEqual(['fpt']);
      }
    });

    it('configures retention, lease, attempts and grace in every function, the resume queue only in the sweep’s', () => {
      for (const [name, id] of Object.entries(ids.functions)) {
        const config = gatewayConfigOf(template, id);
        expect(config).toMatchObject({
          mediaRetentionSeconds: 0,
          maxProcessingAttempts: 3,
          uploadGraceSeconds: 300,
          // 2-minute processor timeout + 60 s.
          processingLeaseSeconds: 180,
        });
        expect(config.resumeQueueUrl).toBe(name === 'sweep' ? `ref:${ids.queue}` : undefined);
      }
    });

    it('gives a processing attempt a lease longer than the processor may run', () => {
      const functions: Record<string, { Properties?: { Timeout?: number } }> = template.findResources('AWS::Lambda::Function');
      const timeout = functions[ids.functions.processUpload]?.Properties?.Timeout;
      expect(timeout).toBe(120);
      expect(gatewayConfigOf(template, ids.functions.processUpload).processingLeaseSeconds).toBeGreaterThan(timeout ?? Infinity);
    });
  });

  describe('sweep', () => {
    it('runs every 5 minutes on an EventBridge schedule targeting the sweep function', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.functions.sweep, 'Arn'] } })],
      });
      template.resourceCountIs('AWS::Events::Rule', 1);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [ids.functions.sweep, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ids.sweepRule, 'Arn'] },
      });
    });

    it('retries neither a failed delivery nor a failed run (the next run starts from the index)', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: ids.functions.sweep },
        MaximumRetryAttempts: 0,
      });
    });

    it('finishes a run well inside the interval', () => {
      const functions: Record<string, { Properties?: { Timeout?: number } }> = template.findResources('AWS::Lambda::Function');
      expect(functions[ids.functions.sweep]?.Properties?.Timeout).toBeLessThan(5 * 60);
    });
  });

  describe('least privilege', () => {
    it('lets only the processor and the media URL signer read media, and only under checks/', () => {
      const reads = statements(template).filter((s) =>
        s.actions.some((a) => a === 's3:GetObject' || a === 's3:*' || a === 's3:Get*'),
      );
      expect(reads.flatMap((s) => s.roles).sort()).toEqual([ids.roles.processUpload, ids.roles.getCheckMedia].sort());
      for (const read of reads) {
        expect(read.resources).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.mediaBucket, 'Arn'] }, '/checks/*']] }]);
      }
    });

    it('gives the media URL signer GetItem on checks, the audit append and GetObject under checks/ only', () => {
      expect(dataActionsOfRole(template, ids.roles.getCheckMedia)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        's3:GetObject',
      ]);
      expect(resourcesOfRoleFor(template, ids.roles.getCheckMedia, 's3:GetObject')).toEqual([mediaObjects(ids.mediaBucket)]);
      expect(resourcesOfRoleFor(template, ids.roles.getCheckMedia, 'dynamodb:PutItem')).toEqual([
        { 'Fn::GetAtt': [ids.auditTable, 'Arn'] },
      ]);
    });

    it('gives the review queue Query on the review index only, and the review route get, update, audit append and media delete', () => {
      expect(dataActionsOfRole(template, ids.roles.listReviews)).toEqual(['dynamodb:Query']);
      expect(resourcesOfRoleFor(template, ids.roles.listReviews, 'dynamodb:Query')).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.checksTable, 'Arn'] }, `/index/${CHECKS_REVIEW_INDEX.indexName}`]] },
      ]);
      expect(dataActionsOfRole(template, ids.roles.reviewCheck)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        's3:DeleteObject',
      ]);
      expect(resourcesOfRoleFor(template, ids.roles.reviewCheck, 'dynamodb:PutItem')).toEqual([
        { 'Fn::GetAtt': [ids.auditTable, 'Arn'] },
      ]);
    });

    it('keeps a sparse review index on the checks table, keyed by queue and decision time', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            IndexName: CHECKS_REVIEW_INDEX.indexName,
            KeySchema: [
              { AttributeName: CHECKS_REVIEW_INDEX.partitionKey, KeyType: 'HASH' },
              { AttributeName: CHECKS_REVIEW_INDEX.sortKey, KeyType: 'RANGE' },
            ],
          }),
        ]),
      });
    });

    it('lets only the processor, the sweep, the erase and the review routes delete media, and only under checks/', () => {
      const deletes = statements(template).filter((s) => s.actions.some((a) => a === 's3:DeleteObject' || a === 's3:Delete*'));
      expect(deletes.flatMap((s) => s.roles).sort()).toEqual(
        [ids.roles.eraseCheck, ids.roles.processUpload, ids.roles.sweep, ids.roles.reviewCheck].sort(),
      );
      for (const statement of deletes) {
        // IAM policy minimisation may merge the processor's GetObject into the same statement.
        expect(statement.actions.filter((a) => a.startsWith('s3:Delete'))).toEqual(['s3:DeleteObject']);
        expect(statement.resources).toEqual([mediaObjects(ids.mediaBucket)]);
      }
    });

    it('gives the processor GetItem and UpdateItem on checks (no PutItem, no DeleteItem), audit append, media read and delete', () => {
      expect(dataActionsOfRole(template, ids.roles.processUpload)).toEqual([
        // Only replayed-media index entries: its own claims, dropped when its check was erased under it.
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        // GetItem and PutItem again: the replayed-media index entries alone (dynamodb:LeadingKeys).
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        's3:DeleteObject',
        's3:GetObject',
        'secretsmanager:GetSecretValue',
        // The SQS event source polls the upload queue as the function's role.
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ]);
      const checksTableArn = { 'Fn::GetAtt': [ids.checksTable, 'Arn'] };
      const auditTableArn = { 'Fn::GetAtt': [ids.auditTable, 'Arn'] };
      expect(resourcesOfRoleFor(template, ids.roles.processUpload, 'dynamodb:UpdateItem')).toEqual([checksTableArn]);
      expect(resourcesOfRoleFor(template, ids.roles.processUpload, 'dynamodb:GetItem')).toEqual([checksTableArn, checksTableArn]);
      // PutItem is the audit append, and the index claims limited to their key prefix (tested below).
      expect(resourcesOfRoleFor(template, ids.roles.processUpload, 'dynamodb:PutItem')).toEqual(
        expect.arrayContaining([auditTableArn, checksTableArn]),
      );
    });

    it('gives the sweep Query on its index, UpdateItem on checks, audit append, media delete and SendMessage to the upload queue only', () => {
      expect(dataActionsOfRole(template, ids.roles.sweep)).toEqual([
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        's3:DeleteObject',
        'sqs:SendMessage',
      ]);
      expect(resourcesOfRoleFor(template, ids.roles.sweep, 'dynamodb:Query')).toEqual([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.checksTable, 'Arn'] }, `/index/${CHECKS_SWEEP_INDEX.indexName}`]] },
      ]);
      expect(resourcesOfRoleFor(template, ids.roles.sweep, 'dynamodb:UpdateItem')).toEqual([
        { 'Fn::GetAtt': [ids.checksTable, 'Arn'] },
      ]);
      expect(resourcesOfRoleFor(template, ids.roles.sweep, 'dynamodb:PutItem')).toEqual([
        { 'Fn::GetAtt': [ids.auditTable, 'Arn'] },
      ]);
      expect(resourcesOfRoleFor(template, ids.roles.sweep, 'sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': [ids.queue, 'Arn'] }]);
      const actions = actionsOfRole(template, ids.roles.sweep);
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      expect(actions.filter((a) => /^s3:(Get|List|\*)/.test(a))).toEqual([]);
    });

    it('gives the erase route GetItem, PutItem (the tombstone) and UpdateItem (clearing its outbox) on checks, audit append and read, media delete, and no media read', () => {
      expect(dataActionsOfRole(template, ids.roles.eraseCheck)).toEqual([
        // Only replayed-media index entries (see below), to drop the erased check's.
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        's3:DeleteObject',
        // The media hash key, to find those entries.
        'secretsmanager:GetSecretValue',
      ]);
      const checksTableArn = { 'Fn::GetAtt': [ids.checksTable, 'Arn'] };
      const auditTableArn = { 'Fn::GetAtt': [ids.auditTable, 'Arn'] };
      expect(resourcesOfRoleFor(template, ids.roles.eraseCheck, 'dynamodb:GetItem')).toEqual([checksTableArn]);
      expect(resourcesOfRoleFor(template, ids.roles.eraseCheck, 'dynamodb:UpdateItem')).toEqual([checksTableArn]);
      expect(resourcesOfRoleFor(template, ids.roles.eraseCheck, 'dynamodb:Query')).toEqual([auditTableArn]);
      expect(resourcesOfRoleFor(template, ids.roles.eraseCheck, 'dynamodb:PutItem')).toEqual(
        expect.arrayContaining([checksTableArn, auditTableArn]),
      );
      expect(resourcesOfRoleFor(template, ids.roles.eraseCheck, 'dynamodb:PutItem')).toHaveLength(2);
      expect(actionsOfRole(template, ids.roles.eraseCheck).filter((a) => /^s3:(Get|List|\*)/.test(a))).toEqual([]);
    });

    it('gives the audit route a Query on the audit table and nothing else', () => {
      expect(dataActionsOfRole(template, ids.roles.getCheckAudit)).toEqual(['dynamodb:Query']);
      expect(resourcesOfRoleFor(template, ids.roles.getCheckAudit, 'dynamodb:Query')).toEqual([
        { 'Fn::GetAtt': [ids.auditTable, 'Arn'] },
      ]);
    });

    it('lets no function delete check records (erasure leaves a tombstone), and nothing send to a queue but the sweep', () => {
      const deleters = statements(template).filter((s) =>
        s.actions.some((a) => /^dynamodb:(DeleteItem|BatchWriteItem|\*)$/.test(a)),
      );
      // The only DeleteItems are the erase route's and the processor's, held to the replayed-media index's keys.
      const mediaKeys = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${MEDIA_FINGERPRINT_KEY_PREFIX}*`] } };
      expect(deleters.map((s) => ({ roles: s.roles, actions: s.actions, condition: s.condition }))).toEqual(
        expect.arrayContaining([
          { roles: [ids.roles.eraseCheck], actions: ['dynamodb:DeleteItem'], condition: mediaKeys },
          {
            roles: [ids.roles.processUpload],
            actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
            condition: mediaKeys,
          },
        ]),
      );
      expect(deleters).toHaveLength(2);
      const senders = statements(template).filter((s) => s.actions.some((a) => a.startsWith('sqs:Send')));
      expect(senders.flatMap((s) => s.roles)).toEqual([ids.roles.sweep]);
    });

    it('holds every grant on check records away from the lookup indexes’ items', () => {
      const itemActions = /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|BatchWriteItem|BatchGetItem|\*)$/;
      const onChecks = statements(template).filter(
        (s) =>
          s.actions.some((a) => itemActions.test(a)) &&
          s.resources.some((r) => JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [ids.checksTable, 'Arn'] })),
      );
      const recordGrants = onChecks.filter((s) => !onIndexItems(s));
      expect(recordGrants.length).toBeGreaterThanOrEqual(5);
      for (const grant of recordGrants) expect(grant.condition).toEqual(NOT_INDEX_ITEMS);
    });

    it('lets create-check read and update only the applicant counters, never a check record', () => {
      const counterStatements = statementsOfRole(template, ids.roles.createCheck).filter((s) =>
        s.actions.some((a) => a === 'dynamodb:UpdateItem' || a === 'dynamodb:GetItem'),
      );
      expect(counterStatements).toHaveLength(1);
      const policies: Record<string, { Properties?: { PolicyDocument: { Statement: { Condition?: unknown }[] } } }> =
        template.findResources('AWS::IAM::Policy');
      const raw = Object.values(policies)
        .flatMap((policy) => policy.Properties?.PolicyDocument.Statement ?? [])
        .filter((statement) => onIndexItems({ condition: statement.Condition }))
        .filter((statement) => JSON.stringify(statement.Condition).includes(`${APPLICANT_KEY_PREFIX}*`));
      expect(raw).toEqual([
        expect.objectContaining({
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${APPLICANT_KEY_PREFIX}*`] } },
          Resource: { 'Fn::GetAtt': [ids.checksTable, 'Arn'] },
        }),
      ]);
    });

    it('gives create-check one conditional PutItem on checks, the audit append, and nothing to read or change records', () => {
      expect(dataActionsOfRole(template, ids.roles.createCheck)).toEqual([
        // GetItem and UpdateItem: the applicant counters alone (the test above).
        'dynamodb:GetItem',
        // The check record (never an index item) and the audit append.
        'dynamodb:PutItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        's3:PutObject',
        // The index key, read once, to find an applicant's counter without storing the applicant.
        'secretsmanager:GetSecretValue',
      ]);
      const putTargets = resourcesOfRoleFor(template, ids.roles.createCheck, 'dynamodb:PutItem');
      expect(putTargets).toHaveLength(2);
      expect(putTargets).toEqual(
        expect.arrayContaining([{ 'Fn::GetAtt': [ids.auditTable, 'Arn'] }, { 'Fn::GetAtt': [ids.checksTable, 'Arn'] }]),
      );
    });

    it('gives create-check s3:PutObject under checks/ (so its presigned POST is authorised) and no media read', () => {
      const s3Statements = statementsOfRole(template, ids.roles.createCheck).filter((s) =>
        s.actions.some((a) => a.startsWith('s3:')),
      );
      expect(s3Statements).toEqual([
        expect.objectContaining({
          actions: ['s3:PutObject'],
          resources: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.mediaBucket, 'Arn'] }, '/checks/*']] }],
        }),
      ]);
    });

    it('gives the API functions no media read and the read routes no writes at all', () => {
      for (const role of [
        ids.roles.createCheck,
        ids.roles.getCheck,
        ids.roles.getCheckResult,
        ids.roles.eraseCheck,
        ids.roles.listReviews,
        ids.roles.reviewCheck,
        ids.roles.sweep,
      ]) {
        expect(actionsOfRole(template, role)).not.toContain('s3:GetObject');
        // The erase and create routes' one secret read is the index key (tested below).
        if (role !== ids.roles.eraseCheck && role !== ids.roles.createCheck) {
          expect(actionsOfRole(template, role)).not.toContain('secretsmanager:GetSecretValue');
        }
      }
      for (const role of [ids.roles.getCheck, ids.roles.getCheckResult]) {
        const dataActions = actionsOfRole(template, role).filter((a) => a.startsWith('dynamodb:') || a.startsWith('s3:'));
        expect(dataActions).toEqual(['dynamodb:GetItem']);
        const tableStatements = statementsOfRole(template, role).filter((s) => s.actions.includes('dynamodb:GetItem'));
        expect(tableStatements.flatMap((s) => s.resources)).toEqual([{ 'Fn::GetAtt': [ids.checksTable, 'Arn'] }]);
      }
    });

    it('lets the processor read only the enabled provider’s secret value, and the index key beside it', () => {
      const hashKey = stack.indexKey;
      if (!hashKey) throw new Error('the index key is on by default');
      const secretStatements = statements(template).filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
      expect(secretStatements.every((s) => s.actions.join() === 'secretsmanager:GetSecretValue')).toBe(true);
      const readers = (secretId: string) =>
        secretStatements
          .filter((s) => s.resources.some((r) => mentions(r, secretId)))
          .flatMap((s) => s.roles)
          .sort();
      expect(readers(ids.fptSecret)).toEqual([ids.roles.processUpload]);
      expect(readers(logicalId(hashKey))).toEqual([ids.roles.createCheck, ids.roles.eraseCheck, ids.roles.processUpload].sort());
    });

    it('keeps the index HMAC key in a generated Secrets Manager secret the functions are told by ARN', () => {
      const hashKey = stack.indexKey;
      if (!hashKey) throw new Error('the index key is on by default');
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'key', PasswordLength: 64 }),
      });
      const config = gatewayConfigOf(template, ids.functions.processUpload);
      expect(config.duplicateMediaCheck).toBe(true);
      expect(config.indexKeySecretId).toBe(`ref:${logicalId(hashKey)}`);
      // Claims (the processor) and releases (the erase route) are limited to the index's entries.
      const onIndex = statements(template)
        .filter((s) => onIndexItems(s) && JSON.stringify(s.condition).includes(`${MEDIA_FINGERPRINT_KEY_PREFIX}*`))
        .map((s) => ({ roles: s.roles, actions: s.actions, condition: s.condition }));
      const leadingKeys = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${MEDIA_FINGERPRINT_KEY_PREFIX}*`] } };
      expect(onIndex).toEqual(
        expect.arrayContaining([
          // Claims, and the processor's own claims dropped when its check was erased while it ran.
          {
            roles: [ids.roles.processUpload],
            actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
            condition: leadingKeys,
          },
          { roles: [ids.roles.eraseCheck], actions: ['dynamodb:DeleteItem'], condition: leadingKeys },
        ]),
      );
      expect(onIndex).toHaveLength(2);
      // The key is readable by exactly those two functions and the create route (its attempt counters).
      const readers = statements(template).filter(
        (s) => s.actions.includes('secretsmanager:GetSecretValue') && s.resources.some((r) => mentions(r, logicalId(hashKey))),
      );
      expect(readers.flatMap((s) => s.roles).sort()).toEqual(
        [ids.roles.createCheck, ids.roles.eraseCheck, ids.roles.processUpload].sort(),
      );
    });

    it('never lets anything change or delete audit entries', () => {
      expectAuditTableAppendOnly(template, ids.auditTable);
      const auditActionsOf = (role: string) =>
        statementsOfRole(template, role)
          .filter((s) => s.resources.some((r) => mentions(r, ids.auditTable)))
          .flatMap((s) => s.actions)
          .sort();
      for (const role of [ids.roles.createCheck, ids.roles.processUpload, ids.roles.sweep]) {
        expect(auditActionsOf(role)).toEqual(['dynamodb:PutItem']);
      }
      // The erase route reads the trail for its tombstone, and still only appends.
      expect(auditActionsOf(ids.roles.eraseCheck)).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
      for (const role of [ids.roles.getCheck, ids.roles.getCheckResult]) expect(auditActionsOf(role)).toEqual([]);
    });

    it('uses Resource "*" only for the X-Ray actions, which have no resource-level permissions', () => {
      const wildcard = statements(template).filter((s) => s.resources.includes('*'));
      const ours = wildcard.filter((s) => Object.values(ids.roles).some((role) => s.roles.includes(role)));
      expect(ours.length).toBeGreaterThan(0);
      for (const statement of ours) {
        expect([...statement.actions].sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    });

    it('does not attach AWS managed policies to the gateway functions', () => {
      const roles: Record<string, { Properties?: { ManagedPolicyArns?: unknown } }> = template.findResources('AWS::IAM::Role');
      for (const role of Object.values(ids.roles)) {
        expect(roles[role]?.Properties).toBeDefined();
        expect(roles[role]?.Properties?.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('provider secret', () => {
    it('is created empty: no SecretString and no generated value in the template', () => {
      // The provider's secret, and the generated media hash key (tested below).
      template.resourceCountIs('AWS::SecretsManager::Secret', 2);
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        SecretString: Match.absent(),
        GenerateSecretString: Match.absent(),
        Description: Match.stringLikeRegexp('apiKey'),
      });
    });

    it('outputs the API URL, the bucket name and the secret ARN to fill, never a value', () => {
      template.hasOutput('ApiUrl', {});
      template.hasOutput('MediaBucketName', { Value: { Ref: ids.mediaBucket } });
      template.hasOutput('FptSecretArn', {
        Value: { Ref: ids.fptSecret },
        Description: Match.stringLikeRegexp('put-secret-value'),
      });
    });
  });

  it('passes the cdk-nag AWS Solutions checks with only acknowledged findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('LivenessGatewayStack with two providers, an imported secret and a customer-managed key', () => {
  let stack: LivenessGatewayStack;
  let template: Template;
  let keyStack: Stack;

  beforeAll(() => {
    const app = newApp();
    keyStack = new Stack(app, 'Keys');
    const key = new kms.Key(keyStack, 'DataKey', { enableKeyRotation: true });
    ({ stack, template } = synth(app, {
      providers: [{ id: 'fpt' }, { id: 'verihubs', secretName: 'prod/verihubs', totalBudgetMs: 90_000 }],
      defaultProvider: 'verihubs',
      encryptionKey: key,
      processorConcurrency: 3,
      processorTimeout: Duration.minutes(3),
      corsOrigins: [],
    }));
  }, SYNTH_TIMEOUT_MS);

  it('grants the processor GetSecretValue on exactly the two enabled provider secrets (and the index key)', () => {
    const fptSecret = stack.providerSecrets.fpt;
    const hashKey = stack.indexKey;
    if (!fptSecret || !hashKey) throw new Error('fpt secret or index key missing');
    const processorRole = logicalId(stack.functions.processUpload.role);
    const secretStatements = statementsOfRole(template, processorRole).filter((s) =>
      s.actions.includes('secretsmanager:GetSecretValue'),
    );
    const resources = secretStatements.flatMap((s) => s.resources).filter((r) => !mentions(r, logicalId(hashKey)));
    expect(resources).toHaveLength(2);
    expect(resources).toContainEqual({ Ref: logicalId(fptSecret) });
    // An imported-by-name secret is matched with the 6-character suffix Secrets Manager appends.
    expect(resources.map((r) => (typeof r === 'string' ? r : flatten(r)))).toContainEqual(
      expect.stringMatching(/:secret:prod\/verihubs-\?{6}$/),
    );
  });

  it('creates a secret only for the provider without an existing one, and configures the other by name', () => {
    const fptSecret = stack.providerSecrets.fpt;
    if (!fptSecret) throw new Error('fpt secret missing');
    // fpt's, and the generated media hash key.
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const config = gatewayConfigOf(template, logicalId(stack.functions.processUpload.function));
    expect(config.defaultProvider).toBe('verihubs');
    expect(config.providers.verihubs).toMatchObject({ secretId: 'prod/verihubs', totalBudgetMs: 90_000 });
    expect(config.providers.fpt?.secretId).toBe(`ref:${logicalId(fptSecret)}`);
  });

  it('encrypts the bucket and both tables with the given key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            BucketKeyEnabled: true,
          }),
        ],
      },
    });
    const tables: Record<string, { Properties?: { SSESpecification: unknown } }> = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables)) {
      expect(table.Properties?.SSESpecification).toMatchObject({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: expect.anything(),
      });
    }
  });

  it('bounds the processor at the configured concurrency and sizes the visibility timeout from its timeout', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 3 } });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 180, MemorySize: 1024 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1080 });
  });

  it('adds no CORS rules when no origin is configured', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: Match.absent(),
      LifecycleConfiguration: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('still never lets anything change or delete audit entries', () => {
    expectAuditTableAppendOnly(template, logicalId(stack.auditTable));
  });

  it('derives the processing lease from the longer processor timeout', () => {
    expect(gatewayConfigOf(template, logicalId(stack.functions.processUpload.function)).processingLeaseSeconds).toBe(240);
  });

  it('lets the sweep and the erase route use the table key, but neither read media nor provider secrets', () => {
    const roles = roleIds(stack);
    for (const role of [roles.sweep, roles.eraseCheck]) {
      const kmsActions = actionsOfRole(template, role).filter((a) => a.startsWith('kms:'));
      // Query/GetItem decrypt; UpdateItem, DeleteItem and the audit append also encrypt.
      expect([...new Set(kmsActions)].sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
      expect(actionsOfRole(template, role).filter((a) => a === 's3:GetObject')).toEqual([]);
      // The erase route reads one secret: the index key, to drop the check's replayed-media entries.
      const secretReads = statementsOfRole(template, role).filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
      const hashKey = stack.indexKey;
      expect(secretReads.flatMap((s) => s.resources)).toEqual(
        role === roles.eraseCheck && hashKey ? [{ Ref: logicalId(hashKey) }] : [],
      );
    }
  });

  it('passes the cdk-nag AWS Solutions checks with only acknowledged findings', () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(nagFindings(keyStack)).toEqual([]);
  });
});

describe('LivenessGatewayStack with a JWT authoriser on the create route and a longer media retention', () => {
  let stack: LivenessGatewayStack;
  let template: Template;
  const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example';

  beforeAll(() => {
    ({ stack, template } = synth(newApp(), {
      jwtAuthorizer: { issuer, audience: ['backend-client-id'] },
      mediaRetentionSeconds: 3 * 86_400,
      maxProcessingAttempts: 5,
      uploadGraceSeconds: 600,
      sweepInterval: Duration.minutes(10),
    }));
  }, SYNTH_TIMEOUT_MS);

  it('authorises POST /v1/checks with a JWT from the configured issuer and audience', () => {
    const authorizers: Record<string, unknown> = template.findResources('AWS::ApiGatewayV2::Authorizer');
    expect(Object.keys(authorizers)).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: issuer, Audience: ['backend-client-id'] },
    });
    const create = routeOf(template, 'POST /v1/checks');
    expect(create.AuthorizationType).toBe('JWT');
    expect(create.AuthorizerId).toEqual({ Ref: Object.keys(authorizers)[0] });
  });

  it('lets the configured browser origins POST a JSON body to the create route', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowMethods: ['GET', 'POST'], AllowHeaders: ['authorization', 'content-type'] }),
    });
  });

  it('keeps SigV4 on the result, erase and review routes and the poll route unauthenticated', () => {
    expect(routeOf(template, 'GET /v1/reviews').AuthorizationType).toBe('AWS_IAM');
    expect(routeOf(template, 'GET /v1/checks/{checkId}/media/{part}').AuthorizationType).toBe('AWS_IAM');
    expect(routeOf(template, 'POST /v1/checks/{checkId}/review').AuthorizationType).toBe('AWS_IAM');
    expect(routeOf(template, 'GET /v1/checks/{checkId}/result').AuthorizationType).toBe('AWS_IAM');
    expect(routeOf(template, 'DELETE /v1/checks/{checkId}').AuthorizationType).toBe('AWS_IAM');
    expect(routeOf(template, 'GET /v1/checks/{checkId}').AuthorizationType).toBe('NONE');
  });

  it('passes the retention, attempts, grace and sweep interval through', () => {
    const config = gatewayConfigOf(template, logicalId(stack.functions.processUpload.function));
    expect(config).toMatchObject({
      mediaRetentionSeconds: 259_200,
      maxProcessingAttempts: 5,
      uploadGraceSeconds: 600,
      processingLeaseSeconds: 180,
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
  });

  it('pushes the lifecycle safety net past the gateway’s own deletion deadline', () => {
    // The 7-day review window outlasts 3 days of retention; plus upload, grace, leases and sweep runs: an eighth day.
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Prefix: 'checks/', ExpirationInDays: 8 })] },
    });
  });

  it('passes the cdk-nag AWS Solutions checks with only acknowledged findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('LivenessGatewayStack index key, by the features that use it', () => {
  const readersOfKey = (props: Partial<LivenessGatewayStackProps>) => {
    const { stack, template } = synth(newApp(), props);
    const key = stack.indexKey;
    const roles = roleIds(stack);
    const readers = key
      ? statements(template)
          .filter(
            (s) => s.actions.includes('secretsmanager:GetSecretValue') && s.resources.some((r) => mentions(r, logicalId(key))),
          )
          .flatMap((s) => s.roles)
      : [];
    const names = Object.entries(roles).flatMap(([name, id]) => (readers.includes(id) ? [name] : []));
    return { key, names: names.sort(), config: gatewayConfigOf(template, functionIds(stack).createCheck) };
  };

  it(
    'makes no key and grants no read when both the replay check and the attempt cap are off',
    () => {
      const { key, names, config } = readersOfKey({ duplicateMediaCheck: false, maxAttemptsPerApplicant: 0 });
      expect(key).toBeUndefined();
      expect(names).toEqual([]);
      expect(config.indexKeySecretId).toBeUndefined();
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'gives the create route no counter access when the attempt cap is off',
    () => {
      const { stack, template } = synth(newApp(), { maxAttemptsPerApplicant: 0 });
      const createRole = roleIds(stack).createCheck;
      expect(dataActionsOfRole(template, createRole)).toEqual(['dynamodb:PutItem', 'dynamodb:PutItem', 's3:PutObject']);
      expect(statementsOfRole(template, createRole).filter(onIndexItems)).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'lets only the create route read the key when only the attempt cap is on',
    () => {
      const { key, names, config } = readersOfKey({ duplicateMediaCheck: false });
      expect(key).toBeDefined();
      expect(names).toEqual(['createCheck']);
      if (!key) throw new Error('the attempt cap needs the index key');
      expect(config.indexKeySecretId).toBe(`ref:${logicalId(key)}`);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'lets the processor and the erase route read it, not the create route, when only the replay check is on',
    () => {
      const { names } = readersOfKey({ maxAttemptsPerApplicant: 0 });
      expect(names).toEqual(['eraseCheck', 'processUpload']);
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('LivenessGatewayStack props', () => {
  const attempt = (props: Partial<LivenessGatewayStackProps>) => () =>
    new LivenessGatewayStack(newApp(), 'Gateway', { ...BASE_PROPS, ...props });

  it('refuses a default provider that is not enabled', () => {
    expect(attempt({ defaultProvider: 'senseid' })).toThrow(/defaultProvider: "senseid" is not among the enabled providers/);
  });

  it('refuses the same provider twice', () => {
    expect(attempt({ providers: [{ id: 'fpt' }, { id: 'fpt' }] })).toThrow(/each provider may appear once/);
  });

  it('refuses a CORS origin with a path or a wildcard', () => {
    expect(attempt({ corsOrigins: ['https://app.example.com/'] })).toThrow(/corsOrigins/);
    expect(attempt({ corsOrigins: ['*'] })).toThrow(/corsOrigins/);
  });

  it('refuses a processor concurrency SQS cannot honour', () => {
    expect(attempt({ processorConcurrency: 1 })).toThrow(/processorConcurrency/);
  });

  it('refuses a processor timeout shorter than the provider budget plus headroom', () => {
    expect(attempt({ providers: [{ id: 'fpt', totalBudgetMs: 110_000 }] })).toThrow(/processorTimeout/);
  });

  it('sizes the processor timeout for the worst failover chain: a provider and its fallbacks, plus slot waits', () => {
    // Prepare: FPT (60 s) falls back to SenseID (60 s, capped: + 10 s slot wait) → 130 s + 30 s headroom.
    const chain = {
      providers: [
        { id: 'fpt', fallbacks: ['senseid'] },
        { id: 'senseid', maxConcurrency: 2 },
      ],
    } satisfies Partial<LivenessGatewayStackProps>;

    // Act / Assess
    expect(attempt({ ...chain, processorTimeout: Duration.minutes(2) })).toThrow(/processorTimeout: .*\(160 s\)/);
    expect(attempt({ ...chain, processorTimeout: Duration.seconds(159) })).toThrow(/processorTimeout/);
    expect(attempt({ ...chain, processorTimeout: Duration.seconds(160) })).not.toThrow();
    expect(attempt({ ...chain, processorTimeout: Duration.seconds(160), slotWaitSeconds: 20 })).toThrow(/\(170 s\)/);
  });

  it('refuses a fallback that is not an enabled provider, or the provider itself', () => {
    expect(attempt({ providers: [{ id: 'fpt', fallbacks: ['senseid'] }] })).toThrow(
      /providers\.fpt\.fallbacks\.0: fallback "senseid" is not among the enabled providers/,
    );
    expect(attempt({ providers: [{ id: 'fpt', fallbacks: ['fpt'] }] })).toThrow(/a provider cannot be its own fallback/);
  });

  it('passes fallbacks, concurrency caps and breaker settings to the functions as configured', () => {
    const stack = new LivenessGatewayStack(newApp(), 'Gateway', {
      ...BASE_PROPS,
      providers: [
        { id: 'fpt', fallbacks: ['senseid'], totalBudgetMs: 30_000 },
        { id: 'senseid', maxConcurrency: 2, totalBudgetMs: 30_000 },
      ],
      breakerFailures: 4,
      breakerCooldownSeconds: 30,
    });

    const config = stack.parts.processor.gatewayConfig;

    expect(config.providers.fpt?.fallbacks).toEqual(['senseid']);
    expect(config.providers.senseid?.maxConcurrency).toBe(2);
    expect(config).toMatchObject({ breakerFailures: 4, breakerCooldownSeconds: 30, slotWaitSeconds: 10 });
  });

  it('refuses a processing lease that does not exceed the processor timeout', () => {
    expect(attempt({ processingLeaseSeconds: 120 })).toThrow(
      /processingLeaseSeconds: must exceed the processor timeout \(120 s\)/,
    );
    expect(attempt({ processingLeaseSeconds: 121 })).not.toThrow();
  });

  it('refuses a sweep interval that is not whole minutes from 1 to 60', () => {
    expect(attempt({ sweepInterval: Duration.seconds(90) })).toThrow(/sweepInterval/);
    expect(attempt({ sweepInterval: Duration.hours(2) })).toThrow(/sweepInterval/);
  });

  it('refuses a JWT issuer that is not https or an empty audience', () => {
    expect(attempt({ jwtAuthorizer: { issuer: 'http://idp.example.com', audience: ['a'] } })).toThrow(/jwtAuthorizer\.issuer/);
    expect(attempt({ jwtAuthorizer: { issuer: 'https://idp.example.com', audience: [] } })).toThrow(/jwtAuthorizer\.audience/);
  });

  it('refuses retention, attempts or grace the runtime schema would reject', () => {
    expect(attempt({ maxProcessingAttempts: 0 })).toThrow(/maxProcessingAttempts/);
    expect(attempt({ uploadGraceSeconds: -1 })).toThrow(/uploadGraceSeconds/);
    expect(attempt({ mediaRetentionSeconds: 31 * 86_400 })).toThrow(/mediaRetentionSeconds/);
  });

  it('refuses limits the runtime schema would reject at cold start', () => {
    expect(attempt({ providers: [{ id: 'fpt', limits: { video: { maxBytes: -1 } } }] })).toThrow(/Invalid gateway configuration/);
  });
});

const AUDIT_FORBIDDEN = /^dynamodb:(\*|Update.*|Delete.*|BatchWrite.*|PartiQL(Update|Delete)|TransactWrite.*)$/;

function expectAuditTableAppendOnly(template: Template, auditTableId: string): void {
  const onAudit = statements(template).filter(
    (s) => s.effect === 'Allow' && s.resources.some((r) => r === '*' || mentions(r, auditTableId)),
  );
  expect(onAudit.length).toBeGreaterThan(0);
  for (const statement of onAudit) {
    expect(statement.actions.filter((action) => AUDIT_FORBIDDEN.test(action))).toEqual([]);
  }
}

describe('LivenessGatewayStack with failover (fallbacks, a concurrency cap, breaker settings)', () => {
  let stack: LivenessGatewayStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synth(newApp(), {
      providers: [
        { id: 'fpt', fallbacks: ['senseid'], totalBudgetMs: 45_000 },
        { id: 'senseid', maxConcurrency: 2, totalBudgetMs: 45_000 },
      ],
      breakerFailures: 5,
      breakerCooldownSeconds: 60,
      // 45 s + 45 s + 10 s slot wait before the capped SenseID + 30 s headroom.
      processorTimeout: Duration.seconds(130),
    }));
  }, SYNTH_TIMEOUT_MS);

  it('keeps breaker and slot state in the checks table: no extra table, and the processor gains no DynamoDB action', () => {
    // Prepare
    const checksTableArn = { 'Fn::GetAtt': [logicalId(stack.checksTable), 'Arn'] };
    const auditTableArn = { 'Fn::GetAtt': [logicalId(stack.auditTable), 'Arn'] };
    const processorRole = roleIds(stack).processUpload;

    // Act
    // The replayed-media index's grant (keys limited to its prefix) is asserted on its own above.
    const unconditioned = statementsOfRole(template, processorRole).filter((statement) => !onIndexItems(statement));
    const dynamoActions = unconditioned
      .flatMap((statement) => statement.actions)
      .filter((action) => action.startsWith('dynamodb:'))
      .sort();
    const resourcesFor = (action: string) => unconditioned.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);

    // Assess: conditional UpdateItem and (consistent) GetItem on checks are all breakers and slots use.
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(2);
    expect(dynamoActions).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(resourcesFor('dynamodb:UpdateItem')).toEqual([checksTableArn]);
    expect(resourcesFor('dynamodb:GetItem')).toEqual([checksTableArn]);
    expect(resourcesFor('dynamodb:PutItem')).toEqual([auditTableArn]);
  });

  it('counts the worst chain as the provider budget, its fallback budget and the capped fallback slot wait', () => {
    expect(stack.parts.processor.gatewayConfig.providers.fpt?.fallbacks).toEqual(['senseid']);
    expect(worstChainMs(stack.parts.processor.gatewayConfig)).toBe(100_000);
    expect(stack.functions.processUpload.function.timeout?.toSeconds()).toBe(130);
  });

  it('passes the AWS Solutions checks', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
