// Stack tests of the outcome events: PutEvents scoped to the configured bus, the webhook queue,
// sender and dead-letter queue, the signing secret and who may read it, the endpoint rules, and cdk-nag.
import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { webhookEndpointProblems } from '../../lib/constructs/outcome-events';
import { LivenessGatewayStack, type LivenessGatewayStackProps } from '../../lib/liveness-gateway-stack';
import { logicalId, newApp } from './synth-helpers';

const SYNTH_TIMEOUT_MS = 60_000;
const BASE: LivenessGatewayStackProps = { providers: [{ id: 'fpt' }], defaultProvider: 'fpt', corsOrigins: [] };

function synth(props: Partial<LivenessGatewayStackProps> = {}) {
  const app = newApp();
  const stack = new LivenessGatewayStack(app, 'Gateway', { ...BASE, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, template: Template.fromStack(stack) };
}

interface Statement {
  readonly roles: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
}
type PolicyResources = Record<
  string,
  {
    Properties?: {
      Roles?: { Ref: string }[];
      PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
    };
  }
>;

function statements(template: Template): Statement[] {
  const policies: PolicyResources = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((policy) =>
    (policy.Properties?.PolicyDocument.Statement ?? []).map((statement) => ({
      roles: (policy.Properties?.Roles ?? []).map((role) => role.Ref),
      actions: [statement.Action].flat(),
      resources: [statement.Resource].flat(),
    })),
  );
}

const grantees = (template: Template, action: string) =>
  statements(template)
    .filter((statement) => statement.actions.includes(action))
    .flatMap((statement) => statement.roles.map((role) => ({ role, resources: statement.resources })));

function nagFindings(stack: LivenessGatewayStack): string[] {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (finding) => `${finding.id}: ${String(finding.entry.data)}`,
  );
}

const busArn = (name: string) => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:event-bus/${name}`],
  ],
});

/** The roles of the functions that commit terminal transitions and publish their events. */
function publisherRoles(stack: LivenessGatewayStack): string[] {
  const { processUpload, sweep, eraseCheck, reviewCheck } = stack.functions;
  return [processUpload, sweep, eraseCheck, reviewCheck].map((fn) => logicalId(fn.role));
}

describe('outcome events without webhooks (defaults)', () => {
  let synthesised: ReturnType<typeof synth>;
  beforeAll(() => {
    synthesised = synth();
  }, SYNTH_TIMEOUT_MS);

  it('lets exactly the processor, the sweep, the erase route and the review route put events, on the default bus only', () => {
    const { stack, template } = synthesised;
    const publishers = publisherRoles(stack);

    const puts = grantees(template, 'events:PutEvents');

    expect(puts.map((grant) => grant.role).sort()).toEqual([...publishers].sort());
    for (const grant of puts) expect(grant.resources).toEqual([busArn('default')]);
    expect(
      statements(template).filter((s) => s.actions.some((a) => a.startsWith('events:') && a !== 'events:PutEvents')),
    ).toEqual([]);
  });

  it('makes no webhook queue, sender or secret', () => {
    const { stack, template } = synthesised;
    expect(stack.parts.outcomes.webhookQueue).toBeUndefined();
    // fpt's credentials and the index HMAC key
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toHaveLength(2);
    expect(stack.indexKey).toBeDefined();
    expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toHaveLength(2); // uploads and their DLQ
  });
});

describe('outcome events with webhooks and a named bus', () => {
  let synthesised: ReturnType<typeof synth>;
  let ids: { queue: string; dlq: string; secret: string; sender: string; senderRole: string };
  beforeAll(() => {
    synthesised = synth({ eventBusName: 'kyc-events', webhookEndpoints: ['https://backend.example.com/hooks/liveness'] });
    const outcomes = synthesised.stack.parts.outcomes;
    const sender = synthesised.stack.node.findAll().find((c) => c.node.path.endsWith('OutcomeEvents/SendWebhook/Function'));
    const senderRole = synthesised.stack.node.findAll().find((c) => c.node.path.endsWith('OutcomeEvents/SendWebhook/Role'));
    if (!outcomes.webhookQueue || !outcomes.webhookDeadLetterQueue || !outcomes.webhookSecret || !sender || !senderRole)
      throw new Error('webhook resources missing');
    ids = {
      queue: logicalId(outcomes.webhookQueue),
      dlq: logicalId(outcomes.webhookDeadLetterQueue),
      secret: logicalId(outcomes.webhookSecret),
      sender: logicalId(sender),
      senderRole: logicalId(senderRole),
    };
  }, SYNTH_TIMEOUT_MS);

  it('scopes PutEvents to the named bus', () => {
    const puts = grantees(synthesised.template, 'events:PutEvents');
    expect(puts).toHaveLength(4);
    for (const grant of puts) expect(grant.resources).toEqual([busArn('kyc-events')]);
  });

  it('feeds the sender from the webhook queue, one message at a time, with a dead-letter queue for what keeps failing', () => {
    const { template } = synthesised;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.sender },
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] }, maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
    const functions: Record<string, { Properties?: { Timeout?: number } }> = template.findResources('AWS::Lambda::Function');
    expect(functions[ids.sender]?.Properties?.Timeout).toBe(30);
  });

  it('lets only the sender dead-letter, and the publishers and the sender (its retries) send to the webhook queue', () => {
    const { stack, template } = synthesised;
    const sends = grantees(template, 'sqs:SendMessage');
    const toDlq = sends.filter((grant) => JSON.stringify(grant.resources).includes(`"${ids.dlq}"`));
    const toQueue = sends.filter((grant) => JSON.stringify(grant.resources).includes(`"${ids.queue}"`));
    const publishers = publisherRoles(stack);

    expect(toDlq.map((grant) => grant.role)).toEqual([ids.senderRole]);
    expect(toQueue.map((grant) => grant.role).sort()).toEqual([...publishers, ids.senderRole].sort());
  });

  it('generates the signing secret in Secrets Manager, readable by the sender alone, its value in no template or environment', () => {
    const { template } = synthesised;
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'key', PasswordLength: 64, ExcludePunctuation: true }),
    });
    const secrets: Record<string, { Properties?: Record<string, unknown> }> =
      template.findResources('AWS::SecretsManager::Secret');
    expect(secrets[ids.secret]?.Properties?.SecretString).toBeUndefined();
    const readers = grantees(template, 'secretsmanager:GetSecretValue').filter((grant) =>
      JSON.stringify(grant.resources).includes(`"${ids.secret}"`),
    );
    expect(readers.map((grant) => grant.role)).toEqual([ids.senderRole]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/whsec_[A-Za-z0-9+/]{8}/);
    template.hasOutput('WebhookSecretArn', { Value: { Ref: ids.secret } });
    template.hasOutput('WebhookDeadLetterQueueUrl', { Value: { Ref: ids.dlq } });
  });

  it('passes cdk-nag (AWS Solutions) with justified suppressions only', () => {
    expect(nagFindings(synthesised.stack)).toEqual([]);
  });
});

describe('webhook endpoint rules', () => {
  it('accepts public https endpoints', () => {
    expect(webhookEndpointProblems(['https://backend.example.com/hooks', 'https://203.0.114.7/x'], false)).toEqual([]);
  });

  it('refuses http, credentials, loopback, private, link-local and local names, naming each', () => {
    const problems = webhookEndpointProblems(
      [
        'http://backend.example.com/hooks',
        'https://user:pw@backend.example.com/',
        'https://127.0.0.1/',
        'https://10.1.2.3/',
        'https://169.254.169.254/latest',
        'https://[fe80::1]/',
        'https://localhost:8443/',
        'https://hooks.internal/',
        'not a url',
      ],
      false,
    );
    expect(problems).toHaveLength(9);
    expect(problems[0]).toMatch(/must be https/);
    expect(problems[2]).toMatch(/private, loopback or link-local/);
  });

  it('allows private hosts with allowPrivateWebhookTargets, still only over https', () => {
    expect(webhookEndpointProblems(['https://10.1.2.3/hooks'], true)).toEqual([]);
    expect(webhookEndpointProblems(['http://10.1.2.3/hooks'], true)).toEqual([
      'webhookEndpoints: "http://10.1.2.3/hooks" must be https://',
    ]);
  });

  it('fails synth before making anything when an endpoint is refused', () => {
    expect(() => synth({ webhookEndpoints: ['https://192.168.1.10/hooks'] })).toThrow(
      /Invalid OutcomeEvents props:[\s\S]*192\.168\.1\.10/,
    );
  });
});
