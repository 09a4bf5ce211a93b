// Stack tests: specific properties (encryption, IAM, wiring) and cdk-nag, never whole-template snapshots.
// Bundling is skipped (aws:cdk:bundling-stacks = []), and each configuration is synthesised once.
import { readFileSync } from 'node:fs';
import { App, Aspects, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LivenessGatewayStack, type LivenessGatewayStackProps } from '../../lib/liveness-gateway-stack';
import { MEDIA_PREFIX } from '../../lib/gateway-function';
import { AUDIT_TABLE_KEYS, CHECKS_TABLE_KEYS, CHECKS_TTL_ATTRIBUTE } from '../../src/adapters/aws/table-schema';
import { parseGatewayConfig } from '../../src/core/config';
import { mediaKey } from '../../src/core/ports';

const SYNTH_TIMEOUT_MS = 60_000;

// Same feature flags as `cdk synth`, so the template under test is the one that deploys.
const cdkJson: unknown = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
const cdkContext: Record<string, unknown> =
  typeof cdkJson === 'object' && cdkJson !== null && 'context' in cdkJson && typeof cdkJson.context === 'object' && cdkJson.context !== null
    ? { ...cdkJson.context }
    : {};

const BASE_PROPS: LivenessGatewayStackProps = {
  providers: [{ id: 'fpt' }],
  defaultProvider: 'fpt',
  corsOrigins: ['https://app.example.com'],
};

interface Synthesised {
  readonly stack: LivenessGatewayStack;
  readonly template: Template;
}

function newApp(): App {
  return new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
}

function synth(app: App, props: Partial<LivenessGatewayStackProps> = {}): Synthesised {
  const stack = new LivenessGatewayStack(app, 'Gateway', { ...BASE_PROPS, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).getLogicalId(element);
}

interface Statement {
  readonly policy: string;
  readonly roles: readonly string[];
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
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
    })),
  );
}

const mentions = (resource: unknown, id: string): boolean => JSON.stringify(resource).includes(`"${id}"`);

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

function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (finding) => `${finding.id}: ${String(finding.entry.data)}`,
  );
}

describe('LivenessGatewayStack with one provider (defaults)', () => {
  let stack: LivenessGatewayStack;
  let template: Template;
  let ids: {
    mediaBucket: string;
    checksTable: string;
    auditTable: string;
    queue: string;
    dlq: string;
    fptSecret: string;
    roles: Record<'createCheck' | 'getCheck' | 'getCheckResult' | 'processUpload', string>;
    functions: Record<'createCheck' | 'getCheck' | 'getCheckResult' | 'processUpload', string>;
  };

  beforeAll(() => {
    ({ stack, template } = synth(newApp()));
    const secret = stack.providerSecrets.fpt;
    if (!secret) throw new Error('fpt secret missing');
    const { createCheck, getCheck, getCheckResult, processUpload } = stack.functions;
    ids = {
      mediaBucket: logicalId(stack.mediaBucket),
      checksTable: logicalId(stack.checksTable),
      auditTable: logicalId(stack.auditTable),
      queue: logicalId(stack.uploadQueue),
      dlq: logicalId(stack.uploadDeadLetterQueue),
      fptSecret: logicalId(secret),
      roles: {
        createCheck: logicalId(createCheck.role),
        getCheck: logicalId(getCheck.role),
        getCheckResult: logicalId(getCheckResult.role),
        processUpload: logicalId(processUpload.role),
      },
      functions: {
        createCheck: logicalId(createCheck.function),
        getCheck: logicalId(getCheck.function),
        getCheckResult: logicalId(getCheckResult.function),
        processUpload: logicalId(processUpload.function),
      },
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
          LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogsBucket') } },
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

    it('expires media left under checks/ after one day and aborts stale multipart uploads', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Prefix: 'checks/',
              ExpirationInDays: 1,
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
    it('keys checks by checkId, on demand, with PITR, encryption, TTL and the byStatus index', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: CHECKS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: { AttributeName: CHECKS_TTL_ATTRIBUTE, Enabled: true },
          GlobalSecondaryIndexes: [
            Match.objectLike({
              IndexName: 'byStatus',
              KeySchema: [
                { AttributeName: 'status', KeyType: 'HASH' },
                { AttributeName: 'updatedAt', KeyType: 'RANGE' },
              ],
            }),
          ],
        },
        DeletionPolicy: 'Retain',
      });
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
    it('requires SigV4 on the backend routes and leaves the poll route to the handler', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/checks', AuthorizationType: 'AWS_IAM' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /v1/checks/{checkId}/result',
        AuthorizationType: 'AWS_IAM',
      });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /v1/checks/{checkId}',
        AuthorizationType: 'NONE',
      });
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
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
  });

  describe('least privilege', () => {
    it('lets only the processor read media, and only under checks/', () => {
      const reads = statements(template).filter((s) => s.actions.some((a) => a === 's3:GetObject' || a === 's3:*' || a === 's3:Get*'));
      expect(reads).toHaveLength(1);
      const [read] = reads;
      expect(read?.roles).toEqual([ids.roles.processUpload]);
      expect(read?.resources).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.mediaBucket, 'Arn'] }, '/checks/*']] }]);
    });

    it('lets the processor delete media only under checks/', () => {
      const deletes = statements(template).filter((s) => s.actions.includes('s3:DeleteObject'));
      expect(deletes.map((s) => s.roles)).toEqual([[ids.roles.processUpload]]);
      expect(deletes[0]?.resources).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.mediaBucket, 'Arn'] }, '/checks/*']] }]);
    });

    it('gives create-check s3:PutObject under checks/ (so its presigned POST is authorised) and no media read', () => {
      const s3Statements = statementsOfRole(template, ids.roles.createCheck).filter((s) => s.actions.some((a) => a.startsWith('s3:')));
      expect(s3Statements).toEqual([
        expect.objectContaining({
          actions: ['s3:PutObject'],
          resources: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.mediaBucket, 'Arn'] }, '/checks/*']] }],
        }),
      ]);
    });

    it('gives the API functions no media read and the read routes no writes at all', () => {
      for (const role of [ids.roles.createCheck, ids.roles.getCheck, ids.roles.getCheckResult]) {
        expect(actionsOfRole(template, role)).not.toContain('s3:GetObject');
        expect(actionsOfRole(template, role)).not.toContain('secretsmanager:GetSecretValue');
      }
      for (const role of [ids.roles.getCheck, ids.roles.getCheckResult]) {
        const dataActions = actionsOfRole(template, role).filter((a) => a.startsWith('dynamodb:') || a.startsWith('s3:'));
        expect(dataActions).toEqual(['dynamodb:GetItem']);
        const tableStatements = statementsOfRole(template, role).filter((s) => s.actions.includes('dynamodb:GetItem'));
        expect(tableStatements.flatMap((s) => s.resources)).toEqual([{ 'Fn::GetAtt': [ids.checksTable, 'Arn'] }]);
      }
    });

    it('lets the processor read only the enabled provider’s secret value', () => {
      const secretStatements = statements(template).filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:')));
      expect(secretStatements).toHaveLength(1);
      expect(secretStatements[0]).toMatchObject({
        roles: [ids.roles.processUpload],
        actions: ['secretsmanager:GetSecretValue'],
        resources: [{ Ref: ids.fptSecret }],
      });
    });

    it('never lets anything change or delete audit entries', () => {
      expectAuditTableAppendOnly(template, ids.auditTable);
      for (const role of [ids.roles.createCheck, ids.roles.processUpload]) {
        const auditStatements = statementsOfRole(template, role).filter((s) => s.resources.some((r) => mentions(r, ids.auditTable)));
        expect(auditStatements.flatMap((s) => s.actions)).toEqual(['dynamodb:PutItem']);
      }
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
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
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

  it('grants GetSecretValue on exactly the two enabled provider secrets', () => {
    const fptSecret = stack.providerSecrets.fpt;
    if (!fptSecret) throw new Error('fpt secret missing');
    const secretStatements = statements(template).filter((s) => s.actions.includes('secretsmanager:GetSecretValue'));
    expect(secretStatements).toHaveLength(1);
    const resources = secretStatements[0]?.resources ?? [];
    expect(resources).toHaveLength(2);
    expect(resources).toContainEqual({ Ref: logicalId(fptSecret) });
    // An imported-by-name secret is matched with the 6-character suffix Secrets Manager appends.
    expect(resources.map((r) => (typeof r === 'string' ? r : flatten(r)))).toContainEqual(
      expect.stringMatching(/:secret:prod\/verihubs-\?{6}$/),
    );
  });

  it('creates a secret only for the provider without an existing one, and configures the other by name', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const config = gatewayConfigOf(template, logicalId(stack.functions.processUpload.function));
    expect(config.defaultProvider).toBe('verihubs');
    expect(config.providers.verihubs).toMatchObject({ secretId: 'prod/verihubs', totalBudgetMs: 90_000 });
    expect(config.providers.fpt?.secretId).toMatch(/^ref:FptProviderSecret/);
  });

  it('encrypts the bucket and both tables with the given key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }), BucketKeyEnabled: true }),
        ],
      },
    });
    const tables: Record<string, { Properties?: { SSESpecification: unknown } }> = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables)) {
      expect(table.Properties?.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() });
    }
  });

  it('bounds the processor at the configured concurrency and sizes the visibility timeout from its timeout', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 3 } });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 180, MemorySize: 1024 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1080 });
  });

  it('adds no CORS rules when no origin is configured', () => {
    template.hasResourceProperties('AWS::S3::Bucket', { CorsConfiguration: Match.absent(), LifecycleConfiguration: Match.anyValue() });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('still never lets anything change or delete audit entries', () => {
    expectAuditTableAppendOnly(template, logicalId(stack.auditTable));
  });

  it('passes the cdk-nag AWS Solutions checks with only acknowledged findings', () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(nagFindings(keyStack)).toEqual([]);
  });
});

describe('LivenessGatewayStack props', () => {
  const attempt = (props: Partial<LivenessGatewayStackProps>) => () => new LivenessGatewayStack(newApp(), 'Gateway', { ...BASE_PROPS, ...props });

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

  it('refuses limits the runtime schema would reject at cold start', () => {
    expect(attempt({ providers: [{ id: 'fpt', limits: { video: { maxBytes: -1 } } }] })).toThrow(/Invalid gateway configuration/);
  });
});

const AUDIT_FORBIDDEN = /^dynamodb:(\*|Update.*|Delete.*|BatchWrite.*|PartiQL(Update|Delete)|TransactWrite.*)$/;

function expectAuditTableAppendOnly(template: Template, auditTableId: string): void {
  const onAudit = statements(template).filter((s) => s.effect === 'Allow' && s.resources.some((r) => r === '*' || mentions(r, auditTableId)));
  expect(onAudit.length).toBeGreaterThan(0);
  for (const statement of onAudit) {
    expect(statement.actions.filter((action) => AUDIT_FORBIDDEN.test(action))).toEqual([]);
  }
}
