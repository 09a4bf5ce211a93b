// verifyWebhook as a receiver uses it: a plain node:http server fed by the gateway's own delivery.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { verifyWebhook as verifyFromNodeEntry, WebhookVerificationError as ErrorFromNodeEntry } from '../../../src/client/node';
import {
  verifyWebhook,
  WebhookSecretError,
  WebhookVerificationError,
  type VerifiedOutcomeEvent,
} from '../../../src/client/node/webhooks';
import { buildOutcomeEvent } from '../../../src/events/envelope';
import { generateWebhookSecret, webhookHeaders } from '../../../src/events/standard-webhooks';
import { deliverWebhook } from '../../../src/events/webhook-delivery';
import { refusal } from './refusal';

const OLD_SECRET = generateWebhookSecret();
const NEW_SECRET = generateWebhookSecret();
const EVENT = buildOutcomeEvent({
  type: 'check.failed',
  check: { checkId: '0d6e1b9f-2c3a-4b5d-8e7f-9a0b1c2d3e4f', provider: 'verihubs', failure: { code: 'PROVIDER_QUOTA_EXCEEDED' } },
  occurredAt: '2026-11-29T11:00:00.000Z',
});

describe('verifyWebhook', () => {
  it('accepts a real delivery on a node:http server and returns the event, during a key rotation', async () => {
    // Prepare: a receiver that still knows only the old secret while the gateway signs with both.
    const verified: VerifiedOutcomeEvent[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          verified.push(verifyWebhook(request.headers, Buffer.concat(chunks), OLD_SECRET));
          response.writeHead(204).end();
        } catch (error) {
          response.writeHead(error instanceof WebhookVerificationError ? 401 : 500).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    try {
      // Act
      const rotated = await deliverWebhook({
        url,
        event: EVENT,
        secrets: [NEW_SECRET, OLD_SECRET],
        policy: { allowHttp: true, allowPrivate: true },
      });
      const unknownKey = await deliverWebhook({
        url,
        event: EVENT,
        secrets: [NEW_SECRET],
        policy: { allowHttp: true, allowPrivate: true },
      });

      // Assess
      expect(rotated).toMatchObject({ ok: true, status: 204 });
      expect(unknownKey).toMatchObject({ ok: false, status: 401 });
      expect(verified).toHaveLength(1);
      expect(verified[0]?.id).toBe(EVENT.id);
      expect(verified[0]?.event).toStrictEqual(EVENT);
      expect(Math.abs((verified[0]?.timestamp ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a re-serialized body, a stale timestamp and a signed body that is not an outcome event', () => {
    const now = 1_790_000_000;
    const body = JSON.stringify(EVENT);
    const headers = webhookHeaders({ id: EVENT.id, timestamp: now, body, secrets: [OLD_SECRET] });

    expect(refusal(() => verifyWebhook(headers, JSON.stringify(EVENT, null, 2), OLD_SECRET, { now }))).toBe('INVALID_SIGNATURE');
    expect(refusal(() => verifyWebhook(headers, body, OLD_SECRET, { now: now + 301 }))).toBe('TIMESTAMP_TOO_OLD');
    expect(refusal(() => verifyWebhook(headers, body, [NEW_SECRET, OLD_SECRET], { now }))).toBe('accepted');

    const notAnEvent = '{"type":"invoice.paid"}';
    const signedOther = webhookHeaders({ id: 'msg_1', timestamp: now, body: notAnEvent, secrets: [OLD_SECRET] });
    expect(refusal(() => verifyWebhook(signedOther, notAnEvent, OLD_SECRET, { now }))).toBe('INVALID_PAYLOAD');
    const notJson = 'hello';
    const signedText = webhookHeaders({ id: 'msg_2', timestamp: now, body: notJson, secrets: [OLD_SECRET] });
    expect(refusal(() => verifyWebhook(signedText, notJson, OLD_SECRET, { now }))).toBe('INVALID_PAYLOAD');
  });

  it('throws WebhookSecretError for a secret that is not whsec_<base64>', () => {
    expect(() => verifyWebhook({}, '{}', 'my-password')).toThrow(WebhookSecretError);
  });

  it('is the same function and error class from the Node entry', () => {
    expect(verifyFromNodeEntry).toBe(verifyWebhook);
    expect(ErrorFromNodeEntry).toBe(WebhookVerificationError);
  });

  it('brings no AWS SDK code when imported from src/client/node/webhooks', async () => {
    const result = await build({
      entryPoints: [new URL('../../../src/client/node/webhooks.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.endsWith('src/events/standard-webhooks.ts'))).toBe(true);
    expect(inputs.filter((input) => /@aws-sdk|@smithy|src\/client\/node\/sigv4/.test(input))).toEqual([]);
  });
});
