// The AWS OutcomePublisher with the real SDK clients against a small stand-in speaking the
// EventBridge and SQS JSON protocols: what goes on the bus, what goes on the webhook queue, and
// that a refused entry fails the publish (so the outbox keeps the events).
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeOutcomePublisher, OutcomePublishError } from '../../src/adapters/aws/eventbridge-publisher';
import { buildOutcomeEvent, type OutcomeEvent } from '../../src/events/envelope';
import { webhookMessageSchema } from '../../src/events/webhook-sender';

interface Call {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

const calls: Call[] = [];
let refuseEvents = false;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ target, body });
      let answer: unknown = {};
      if (target === 'AWSEvents.PutEvents') {
        const entries = body.Entries as unknown[];
        answer = refuseEvents
          ? { FailedEntryCount: 1, Entries: entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' })) }
          : { FailedEntryCount: 0, Entries: entries.map((_, index) => ({ EventId: `e-${index}` })) };
      } else if (target === 'AmazonSQS.SendMessageBatch') {
        const entries = body.Entries as { Id: string; MessageBody: string }[];
        answer = {
          Successful: entries.map((entry) => ({
            Id: entry.Id,
            MessageId: `m-${entry.Id}`,
            MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
          })),
          Failed: [],
        };
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  calls.length = 0;
  refuseEvents = false;
});

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks';

function publisher(endpoints: readonly string[]) {
  const eventBridge = new EventBridgeClient({ region: 'eu-west-1', endpoint, credentials });
  const sqs = new SQSClient({ region: 'eu-west-1', endpoint, credentials });
  return new EventBridgeOutcomePublisher(eventBridge, 'kyc-events', { sqs, queueUrl: QUEUE_URL, endpoints });
}

function events(count: number): OutcomeEvent[] {
  return Array.from({ length: count }, (_, index) =>
    buildOutcomeEvent({
      type: 'check.completed',
      check: {
        checkId: `6f1c2a0e-8a4b-4c1d-9e2f-${String(index).padStart(12, '0')}`,
        provider: 'fpt',
        externalRef: 'applicant-42',
        result: { decision: 'REVIEW', reasons: [{ code: 'NEEDS_REVIEW' }] },
      },
      occurredAt: '2026-11-29T10:00:00.000Z',
    }),
  );
}

describe('EventBridgeOutcomePublisher', () => {
  it('puts each event on the configured bus with source liveness-gateway, detail-type = type and detail = envelope', async () => {
    const [event] = events(1);
    if (!event) throw new Error('no event');

    await publisher([]).publish([event]);

    const puts = calls.filter((call) => call.target === 'AWSEvents.PutEvents');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.body.Entries).toEqual([
      { EventBusName: 'kyc-events', Source: 'liveness-gateway', DetailType: 'check.completed', Detail: JSON.stringify(event) },
    ]);
    expect(calls.some((call) => call.target.startsWith('AmazonSQS.'))).toBe(false);
  });

  it('queues one message per event and endpoint, in batches of ten, for the sender', async () => {
    const endpoints = ['https://a.example/hooks', 'https://b.example/hooks'];

    await publisher(endpoints).publish(events(6));

    const batches = calls.filter((call) => call.target === 'AmazonSQS.SendMessageBatch');
    expect(batches.map((call) => (call.body.Entries as unknown[]).length)).toEqual([10, 2]);
    const messages = batches.flatMap((call) =>
      (call.body.Entries as { MessageBody: string }[]).map((entry) => webhookMessageSchema.parse(JSON.parse(entry.MessageBody))),
    );
    expect(messages).toHaveLength(12);
    expect(new Set(messages.map((message) => `${message.event.id} ${message.endpoint}`)).size).toBe(12);
    expect(messages.every((message) => message.attempt === 1)).toBe(true);
    expect(batches.every((call) => call.body.QueueUrl === QUEUE_URL)).toBe(true);
    expect(calls.filter((call) => call.target === 'AWSEvents.PutEvents')).toHaveLength(1);
  });

  it('fails the publish when EventBridge refuses an entry, so the outbox keeps the event', async () => {
    refuseEvents = true;

    await expect(publisher([]).publish(events(1))).rejects.toThrow(OutcomePublishError);
  });
});
