// The whole pipeline on one machine: the same handler code as in Lambda, the real AWS SDK clients
// against local stand-ins (dynalite, s3rver behind a gate that verifies SigV4 and POST policies, a
// Secrets Manager server), the S3 event wired to the processor through an SQS-shaped envelope, and
// provider simulators for every provider whose *_ENDPOINT is unset. Used by `npm start` and by the integration tests.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ProviderId } from '../src/core/check';
import { parseGatewayConfig, type GatewayConfigInput } from '../src/core/config';
import { ConfigurationError } from '../src/core/errors';
import { silentLog, type Log } from '../src/core/log';
import type { Clock, ResumeQueue } from '../src/core/ports';
import { createAwsClients, type AwsClients } from '../src/adapters/aws/clients';
import type { CallDeps } from '../src/providers/call-provider';
import type { LocalSimulator } from '../src/providers/local-kit';
import type { AnyProviderAdapter } from '../src/providers/provider';
import { PROVIDER_ADAPTERS } from '../src/providers/registry';
import { wireGateway, type GatewayDeps } from '../functions/common/wiring';
import { makeCreateCheckHandler } from '../functions/create-check/handler';
import { makeGetCheckHandler } from '../functions/get-check/handler';
import { makeGetCheckResultHandler } from '../functions/get-check-result/handler';
import { makeProcessUploadHandler } from '../functions/process-upload/handler';
import { makeEraseCheckHandler } from '../functions/erase-check/handler';
import { makeGetCheckMediaHandler } from '../functions/get-check-media/handler';
import { makeListReviewsHandler } from '../functions/list-reviews/handler';
import { makeReviewCheckHandler } from '../functions/review-check/handler';
import { makeSweepHandler } from '../functions/sweep/handler';
import { makeGetCheckAuditHandler } from '../functions/get-check-audit/handler';
import { powertoolsLog } from '../functions/common/log';
import { localObservability, type LocalObservability, type LocalObservabilityOptions, type MetricTotal } from './observability';
import type { SweepReport } from '../src/core/use-cases/sweep';
import { generateWebhookSecret, webhookSecretKey } from '../src/events/standard-webhooks';
import { DynamoDbAuditLog } from '../src/adapters/aws/dynamodb-audit-log';
import { MetricsAuditLog } from '../src/adapters/observability/metrics-audit-log';
import { createLambdaContext, startApiServer, type StaticRoute } from './api-server';
import { startLocalDynamoDb } from './dynamodb';
import { LocalOutcomePublisher } from './outcome-publisher';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type S3EventRecord } from './s3-gateway';
import { startLocalSecretsManager } from './secrets-manager-server';

export interface LocalStackOptions {
  /** API port; 0 picks a free one. Default 3000. */
  readonly port?: number;
  readonly host?: string;
  /**
   * Provider settings as in the README: LIVENESS_PROVIDER, FPT_ENDPOINT, FPT_API_KEY, ...; and
   * WEBHOOK_URL (comma-separated) / WEBHOOK_SECRET for the outcome webhooks.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Per-provider overrides of the gateway configuration (timeouts, limits, review band). */
  readonly providerConfig?: Partial<Record<ProviderId, Partial<NonNullable<GatewayConfigInput['providers'][ProviderId]>>>>;
  readonly uploadExpirySeconds?: number;
  /**
   * Other gateway settings (retention, lease, attempts, grace, the face pre-check switch), as in
   * GATEWAY_CONFIG. `npm start` sets `facePrecheck: false` for FACE_PRECHECK=off.
   */
  readonly config?: Partial<
    Pick<
      GatewayConfigInput,
      | 'mediaRetentionSeconds'
      | 'reviewWindowSeconds'
      | 'maxAttemptsPerApplicant'
      | 'attemptWindowHours'
      | 'processingLeaseSeconds'
      | 'maxProcessingAttempts'
      | 'uploadGraceSeconds'
      | 'checkRetentionDays'
      | 'breakerFailures'
      | 'breakerCooldownSeconds'
      | 'slotWaitSeconds'
      | 'facePrecheck'
    >
  >;
  /**
   * The replayed-media check. Default: on, unless DUPLICATE_MEDIA_CHECK=off in `env` or, failing
   * that, in the process environment (the test runner sets it off there: its suites upload the
   * same fixtures many times). A fresh HMAC key is generated at every start.
   */
  readonly duplicateMediaCheck?: boolean;
  /** Only these providers are enabled (default: every provider the local stack knows). */
  readonly providers?: readonly ProviderId[];
  /** Adapters beyond the registry's, each with its local kit (a provider not in this build, e.g. a test's). */
  readonly extraProviders?: readonly AnyProviderAdapter[];
  /** Think time of every built-in simulator (load tests and benchmarks). Default 0. */
  readonly simulatorLatencyMs?: number;
  /** How often the sweep runs; 0 turns the timer off (tests call sweep() themselves). Default 30 s. */
  readonly sweepIntervalMs?: number;
  /**
   * Hand S3 records to the processor as they arrive (default). Tests that need to control
   * delivery (duplicates, order, concurrency) turn it off and call deliver() themselves.
   */
  readonly autoDeliver?: boolean;
  /** Measurement seam: sees the SDK clients before they are wired, e.g. to add a recording middleware. */
  readonly instrumentClients?: (clients: AwsClients) => void;
  /** Test seam: wraps the wired ports, e.g. to inject a crash the real stand-ins cannot produce. */
  readonly decorate?: (deps: GatewayDeps) => GatewayDeps;
  /** Where the handlers' own lines go (default: the Powertools logger below; silent when neither is set). */
  readonly log?: Log;
  /**
   * The Powertools logger's level and sinks: every line (with the request id and checkId) and
   * every EMF record as Lambda would print it. Default: level SILENT, no sinks.
   */
  readonly observability?: LocalObservabilityOptions;
  readonly clock?: Clock;
  readonly http?: CallDeps;
  /** Extra routes served by the API server (a web page, the OpenAPI document). */
  readonly staticRoutes?: readonly StaticRoute[];
  /**
   * Browser origins (`scheme://host[:port]`) allowed cross-origin, as the deployment's
   * corsOrigins: POST forms to S3 and requests to the API. The API's own origin (the capture
   * page's) is always allowed to upload to S3. Default: none.
   */
  readonly corsOrigins?: readonly string[];
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly s3Endpoint: string;
  readonly bucket: string;
  /**
   * Where the stand-ins listen, so another process (a benchmark's processor child) can wire the
   * same SDK clients against them (region: any record's awsRegion; credentials: LOCAL_S3_CREDENTIALS).
   */
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly secretsManager: string };
  readonly deps: GatewayDeps;
  /** Outcome events: what was put on the (simulated) bus, and the webhook deliveries in progress. */
  readonly outcomes: LocalOutcomePublisher;
  /** Where webhooks go, and the secret the stack generated (only when WEBHOOK_SECRET was not given). */
  readonly webhooks: { readonly endpoints: readonly string[]; readonly generatedSecret?: string };
  /** Built-in simulators that were started (providers whose endpoint was not configured). */
  readonly simulators: Readonly<Record<ProviderId, LocalSimulator>>;
  /** Hands an S3 record to the processor (again), as S3's at-least-once delivery may. */
  deliver(record: S3EventRecord): Promise<void>;
  /** Every S3 ObjectCreated record the bucket emitted, in order. */
  readonly createdRecords: readonly S3EventRecord[];
  /** Resolves when no S3 event or resume request is being processed. */
  idle(): Promise<void>;
  /** Metric totals since start, as served at GET /__local/metrics. */
  metrics(): MetricTotal[];
  /** Runs the sweep once (as the schedule does) and waits for the resumes it asked for. */
  sweep(): Promise<SweepReport>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
/** Like an SQS redrive policy: a message that keeps failing is dropped after this many receives. */
const MAX_RECEIVES = 3;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const observability = localObservability({ logLevel: 'SILENT', ...options.observability });
  const log = options.log ?? (options.observability ? powertoolsLog(observability.logger) : silentLog);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stoppers.reverse()) await close().catch(() => {});
  };

  try {
    const dynamo = await startLocalDynamoDb();
    stoppers.push(() => dynamo.close());
    const secretsManager = await startLocalSecretsManager();
    stoppers.push(() => secretsManager.close());
    const corsOrigins = options.corsOrigins ?? [];
    const s3 = await startLocalS3({ region: REGION, credentials: LOCAL_S3_CREDENTIALS, corsOrigins });
    stoppers.push(() => s3.close());

    const simulators: Record<ProviderId, LocalSimulator> = {};
    const providers: GatewayConfigInput['providers'] = {};
    const adapters = [...PROVIDER_ADAPTERS, ...(options.extraProviders ?? [])];
    for (const { id, local: kit } of adapters.filter(
      (candidate) => !options.providers || options.providers.includes(candidate.id),
    )) {
      let endpoint = env[kit.endpointVariable];
      const simulated = !endpoint;
      if (!endpoint) {
        const simulator = await kit.startSimulator(options.simulatorLatencyMs ? { latencyMs: options.simulatorLatencyMs } : {});
        stoppers.push(() => simulator.close());
        simulators[id] = simulator;
        endpoint = simulator.url;
      }
      const secretId = `local/liveness-gateway/${id}`;
      secretsManager.setSecret(secretId, kit.secretFromEnv(env, endpoint, simulated));
      providers[id] = { secretId, ...failoverFromEnv(env, id), ...options.providerConfig?.[id] };
    }

    const duplicateMediaCheck =
      options.duplicateMediaCheck ??
      onOff('DUPLICATE_MEDIA_CHECK', env.DUPLICATE_MEDIA_CHECK ?? process.env.DUPLICATE_MEDIA_CHECK);
    const indexKeySecretId = 'local/liveness-gateway/index-key';
    secretsManager.setSecret(indexKeySecretId, { key: randomBytes(32).toString('base64') });
    const config = parseGatewayConfig(
      {
        checksTable: dynamo.checksTable,
        auditTable: dynamo.auditTable,
        mediaBucket: s3.bucket,
        defaultProvider: env.LIVENESS_PROVIDER ?? 'fpt',
        providers,
        ...(options.uploadExpirySeconds !== undefined ? { uploadExpirySeconds: options.uploadExpirySeconds } : {}),
        ...applicantPolicyFromEnv(env),
        duplicateMediaCheck,
        indexKeySecretId,
        ...breakerFromEnv(env),
        ...options.config,
        // Locally a changed secret should apply at once.
        secretCacheSeconds: 0,
      },
      { providerIds: adapters.map((adapter) => adapter.id) },
    );
    const endpoints = { s3: s3.endpoint, dynamodb: dynamo.endpoint, secretsManager: secretsManager.endpoint };
    const clients = createAwsClients({ region: REGION, credentials: LOCAL_S3_CREDENTIALS, endpoints });
    options.instrumentClients?.(clients);
    const webhooks = localWebhooks(env);
    const outcomes = new LocalOutcomePublisher({
      endpoints: webhooks.endpoints,
      secrets: [webhooks.secret],
      // Counted like the deployed sender's attempts (WebhookDelivered, …Failed, …Exhausted).
      audit: new MetricsAuditLog(new DynamoDbAuditLog(clients.dynamo, config.auditTable, options.clock), observability.metrics, {
        log,
      }),
      log,
    });
    stoppers.push(() => outcomes.stop());
    const wired = wireGateway(config, clients, {
      log,
      outcomes,
      observability,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.http ? { http: options.http } : {}),
      adapters,
    });
    const deps = options.decorate ? options.decorate(wired) : wired;

    // Lambda runs one invocation per environment at a time; here they overlap in one process, so
    // each gets its own child logger (its request id and checkId stay on its own lines).
    const perInvocation = (): GatewayDeps => {
      const logger = deps.observability.logger.createChild();
      return { ...deps, observability: { ...deps.observability, logger }, log: options.log ?? powertoolsLog(logger) };
    };
    const invocation =
      <E, R>(make: (deps: GatewayDeps) => (event: E, context: Context) => Promise<R>) =>
      (event: E, context: Context): Promise<R> =>
        make(perInvocation())(event, context);
    const processor = invocation(makeProcessUploadHandler);
    const inFlight = new Set<Promise<void>>();
    const createdRecords: S3EventRecord[] = [];

    // The same SQS envelope and redelivery as in AWS: a message whose processing fails is received again.
    const deliverMessage = async (body: string, what: string): Promise<void> => {
      const message: SQSRecord = sqsEnvelope(body);
      for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
        const event: SQSEvent = {
          Records: [{ ...message, attributes: { ...message.attributes, ApproximateReceiveCount: String(receive) } }],
        };
        const response = await processor(
          event,
          createLambdaContext({ functionName: 'process-upload', timeoutMs: 120_000, region: REGION }),
        );
        if (!response.batchItemFailures.length) return;
      }
      log.error('Message dropped after repeated failures (in AWS it would wait in the dead-letter queue)', { what });
    };
    const track = (body: string, what: string): Promise<void> => {
      const run = deliverMessage(body, what).catch((error: unknown) => {
        log.error('Local processor crashed', { error: error instanceof Error ? error.message : 'unknown' });
      });
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
      return run;
    };
    const deliver = (record: S3EventRecord): Promise<void> => track(JSON.stringify({ Records: [record] }), record.s3.object.key);
    const resumeQueue: ResumeQueue = {
      requestResume: async (checkId) => {
        void track(JSON.stringify({ resumeCheckId: checkId }), `resume ${checkId}`);
      },
    };
    const sweeper = invocation((invocationDeps) => makeSweepHandler(invocationDeps, resumeQueue));
    const sweepOnce = async (): Promise<SweepReport> => {
      const report = await sweeper({}, createLambdaContext({ functionName: 'sweep', region: REGION }));
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return report;
    };
    const sweepIntervalMs = options.sweepIntervalMs ?? 30_000;
    if (sweepIntervalMs > 0) {
      const timer = setInterval(() => {
        sweepOnce().catch((error: unknown) =>
          log.error('Sweep failed', { error: error instanceof Error ? error.message : 'unknown' }),
        );
      }, sweepIntervalMs);
      timer.unref();
      stoppers.push(async () => clearInterval(timer));
    }
    const autoDeliver = options.autoDeliver ?? true;
    s3.onObjectCreated((record) => {
      createdRecords.push(record);
      if (autoDeliver) void deliver(record);
    });

    const api = await startApiServer({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 3000,
      routes: [
        { method: 'POST', path: '/v1/checks', handler: invocation(makeCreateCheckHandler) },
        { method: 'GET', path: '/v1/checks/{checkId}', handler: invocation(makeGetCheckHandler) },
        { method: 'GET', path: '/v1/checks/{checkId}/result', handler: invocation(makeGetCheckResultHandler) },
        { method: 'GET', path: '/v1/checks/{checkId}/audit', handler: invocation(makeGetCheckAuditHandler) },
        { method: 'DELETE', path: '/v1/checks/{checkId}', handler: invocation(makeEraseCheckHandler) },
        { method: 'GET', path: '/v1/reviews', handler: invocation(makeListReviewsHandler) },
        { method: 'GET', path: '/v1/checks/{checkId}/media/{part}', handler: invocation(makeGetCheckMediaHandler) },
        { method: 'POST', path: '/v1/checks/{checkId}/review', handler: invocation(makeReviewCheckHandler) },
      ],
      staticRoutes: [...(options.staticRoutes ?? []), metricsRoute(observability)],
      cors: { allowOrigins: corsOrigins },
    });
    stoppers.push(() => api.close());
    // The capture page is served by the API server and uploads straight to S3, another origin.
    s3.allowOrigins(pageOrigins(api.url));

    return {
      apiUrl: api.url,
      s3Endpoint: s3.endpoint,
      bucket: s3.bucket,
      endpoints,
      deps,
      outcomes,
      webhooks: {
        endpoints: webhooks.endpoints,
        ...(webhooks.generated ? { generatedSecret: webhooks.secret } : {}),
      },
      simulators,
      createdRecords,
      deliver,
      metrics: () => observability.totals.list(),
      sweep: sweepOnce,
      idle: async () => {
        while (inFlight.size > 0) await Promise.all([...inFlight]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An on/off switch (default on, either case); anything else is refused, so a typo never leaves a check on silently. */
export function onOff(name: string, raw: string | undefined): boolean {
  const value = (raw ?? 'on').toLowerCase();
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new ConfigurationError(`${name} must be "on" or "off", got "${raw}"`);
}

/** MAX_ATTEMPTS_PER_APPLICANT and ATTEMPT_WINDOW_HOURS, when set; the configuration schema checks their ranges. */
function applicantPolicyFromEnv(env: NodeJS.ProcessEnv): Partial<GatewayConfigInput> {
  const number = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (!/^[0-9]+$/.test(raw)) throw new ConfigurationError(`${name} must be a whole number, got "${raw}"`);
    return Number(raw);
  };
  const cap = number('MAX_ATTEMPTS_PER_APPLICANT');
  const hours = number('ATTEMPT_WINDOW_HOURS');
  return {
    ...(cap !== undefined ? { maxAttemptsPerApplicant: cap } : {}),
    ...(hours !== undefined ? { attemptWindowHours: hours } : {}),
  };
}

/** LIVENESS_FALLBACK (tried after the check's own provider) and <PROVIDER>_MAX_CONCURRENCY for one provider. */
function failoverFromEnv(env: NodeJS.ProcessEnv, id: ProviderId): { fallbacks?: string[]; maxConcurrency?: number } {
  const fallbacks = (env.LIVENESS_FALLBACK ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item && item !== id);
  const cap = env[`${id.toUpperCase().replace(/-/g, '_')}_MAX_CONCURRENCY`];
  return {
    ...(fallbacks.length ? { fallbacks } : {}),
    // Not a number: left for the configuration schema to refuse with its own message.
    ...(cap ? { maxConcurrency: Number(cap) } : {}),
  };
}

function breakerFromEnv(env: NodeJS.ProcessEnv): { breakerFailures?: number; breakerCooldownSeconds?: number } {
  return {
    ...(env.BREAKER_FAILURES ? { breakerFailures: Number(env.BREAKER_FAILURES) } : {}),
    ...(env.BREAKER_COOLDOWN_SECONDS ? { breakerCooldownSeconds: Number(env.BREAKER_COOLDOWN_SECONDS) } : {}),
  };
}

/** WEBHOOK_URL (comma-separated, http allowed locally) and WEBHOOK_SECRET, or a generated secret. */
function localWebhooks(env: NodeJS.ProcessEnv): { endpoints: string[]; secret: string; generated: boolean } {
  const endpoints = (env.WEBHOOK_URL ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  for (const url of endpoints) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new Error(`WEBHOOK_URL: "${url}" is not a URL`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`WEBHOOK_URL: "${url}" is not http(s)`);
  }
  const given = env.WEBHOOK_SECRET;
  if (given === undefined || given === '') return { endpoints, secret: generateWebhookSecret(), generated: true };
  try {
    webhookSecretKey(given);
  } catch (error) {
    // The message names the rule, never the value.
    throw new Error(`WEBHOOK_SECRET: ${error instanceof Error ? error.message : 'invalid'}`);
  }
  return { endpoints, secret: given, generated: false };
}

/** GET /__local/metrics: the totals since start, by EMF name and dimensions (local stack only). */
function metricsRoute(observability: LocalObservability): StaticRoute {
  return {
    path: '/__local/metrics',
    contentType: 'application/json; charset=utf-8',
    body: () => JSON.stringify({ metrics: observability.totals.list() }),
  };
}

/** The API's origin, and its localhost alias when bound to 127.0.0.1 (port forwarding uses it). */
function pageOrigins(apiUrl: string): string[] {
  const url = new URL(apiUrl);
  return url.hostname === '127.0.0.1' ? [url.origin, `${url.protocol}//localhost:${url.port}`] : [url.origin];
}

function sqsEnvelope(body: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'local-s3',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:000000000000:local-uploads`,
    awsRegion: REGION,
  };
}
