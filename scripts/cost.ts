// What 1,000 checks cost in AWS charges, from the figures `npm run bench` measured on the local
// stack (requests per check, DynamoDB capacity units, handler wall time, log bytes, media bytes)
// and one region's public list prices. The providers' own per-call charges come on top.
//
//   npm run bench -- --only requests   (or a full `npm run bench`)
//   npm run cost                        (reads the newest bench-results/bench*.json with "requests")
//   npm run cost -- --from bench-results/bench.json
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { RequestBenchResult } from './bench-requests';
import { table, writeJson } from './support/stats';

export const REGION = 'us-east-1 (US East, N. Virginia)';
/** When the prices below were read from the stored pages. */
export const PRICES_READ_ON = '2026-11-29';

export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
  /** Set when the stored pages did not state the price: the last well-known list price. */
  readonly unverified?: true;
}

// First-tier on-demand list prices, us-east-1; free tiers are ignored (a running gateway outgrows them).
export const PRICES = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: 'request',
    source:
      'https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md?display=rendered',
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'GB-second (arm64, first 7.5 billion GB-s/month)',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
  },
  dynamoWru: {
    usd: 0.625 / 1e6,
    per: 'write request unit (on-demand, 1 KB)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
  },
  dynamoRru: {
    usd: 0.125 / 1e6,
    per: 'read request unit (on-demand, 4 KB strongly consistent)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing',
  },
  s3PutClass: {
    usd: 0.005 / 1000,
    per: 'PUT/COPY/POST/LIST request (S3 Standard)',
    source: 'https://devnotes.tech/understanding-aws-s3-pricing-a-complete-cost-breakdown-with-examples',
  },
  s3GetClass: {
    usd: 0.0004 / 1000,
    per: 'GET/HEAD request (S3 Standard)',
    source: 'https://devnotes.tech/understanding-aws-s3-pricing-a-complete-cost-breakdown-with-examples',
  },
  s3StorageGbMonth: {
    usd: 0.023,
    per: 'GB-month (S3 Standard, first 50 TB)',
    source: 'https://devnotes.tech/understanding-aws-s3-pricing-a-complete-cost-breakdown-with-examples',
  },
  sqsRequest: {
    usd: 0.4 / 1e6,
    per: 'request (standard queue, 64 KB chunk)',
    source: 'https://cloudburn.io/blog/amazon-sqs-pricing',
  },
  apiGatewayHttpRequest: {
    usd: 1.0 / 1e6,
    per: 'HTTP API request (first 300 million/month, 512 KB increments)',
    source: 'https://awsforengineers.com/blog/aws-api-gateway-pricing-explained',
  },
  secretsManagerCall: {
    usd: 0.05 / 10_000,
    per: 'API call',
    source: 'https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms',
  },
  logsIngestionGb: {
    usd: 0.5,
    per: 'GB ingested (CloudWatch Logs, Standard class)',
    source: 'https://c3x.dev/blog/cloudwatch-logs-cost-optimization',
  },
  eventBridgeEvent: {
    usd: 1.0 / 1e6,
    per: 'custom event published',
    source: 'https://www.wring.co/blog/aws-eventbridge-pricing-guide',
  },
  rekognitionFaceLiveness: {
    usd: 0.015,
    per: 'Face Liveness check (first tier)',
    source: 'https://aws.amazon.com/rekognition/pricing/ (not among the stored pages)',
    unverified: true,
  },
} as const satisfies Record<string, Price>;

/**
 * Memory per function (MB), as lib/liveness-gateway-stack.ts deploys it with default props; a
 * unit test (test/unit/bench/cost.test.ts) checks this table against the synthesised template.
 */
export const FUNCTION_MEMORY_MB: Readonly<Record<string, number>> = {
  'create-check': 256,
  'get-check': 256,
  'get-check-result': 256,
  'erase-check': 256,
  'process-upload': 1024,
  sweep: 256,
};

/**
 * Lambda's own lines per invocation (START, END, REPORT), not measured locally: about 330 bytes
 * in text format. API Gateway's access log line per request (lib's custom format) is of the same
 * order; both are estimates.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 330;
export const ACCESS_LOG_BYTES_PER_REQUEST = 350;

const GB = 1024 ** 3;
const HOURS_PER_MONTH = 730;

export type Figures = Pick<
  RequestBenchResult,
  'requestsPerCheck' | 'handlers' | 'logBytesPerCheck' | 'mediaBytesPerCheck' | 'mediaSecondsPerCheck'
>;

export interface CostLine {
  readonly item: string;
  readonly quantityPerCheck: number;
  readonly unit: string;
  readonly price: Price;
  readonly usdPer1000Checks: number;
  readonly note?: string;
}

function line(item: string, quantityPerCheck: number, price: Price, note?: string): CostLine {
  return {
    item,
    quantityPerCheck,
    unit: price.per,
    price,
    usdPer1000Checks: quantityPerCheck * price.usd * 1000,
    ...(note ? { note } : {}),
  };
}

export function costLines(figures: Figures, memoryMb: Readonly<Record<string, number>> = FUNCTION_MEMORY_MB): CostLine[] {
  const counts = figures.requestsPerCheck;
  const functions = Object.entries(figures.handlers);
  const invocations = functions.reduce((sum, [, handler]) => sum + handler.invocationsPerCheck, 0);
  const lines: CostLine[] = [line('Lambda requests', invocations, PRICES.lambdaRequest)];
  for (const [name, handler] of functions) {
    const memory = memoryMb[name];
    if (memory === undefined) throw new Error(`no memory size for the function ${name}`);
    // Billed per started millisecond of each invocation (billedMsPerCheck sums them).
    const gbSeconds = (handler.billedMsPerCheck * memory) / 1024 / 1000;
    lines.push(
      line(
        `Lambda ${name} duration (${memory} MB)`,
        gbSeconds,
        PRICES.lambdaArmGbSecond,
        `${handler.invocationsPerCheck} invocation(s), ${handler.billedMsPerCheck} ms per check`,
      ),
    );
  }
  const logBytes =
    figures.logBytesPerCheck +
    invocations * PLATFORM_LOG_BYTES_PER_INVOCATION +
    counts.apiGatewayRequests * ACCESS_LOG_BYTES_PER_REQUEST;
  const mediaGbMonths = (figures.mediaBytesPerCheck / GB) * (figures.mediaSecondsPerCheck / 3600 / HOURS_PER_MONTH);
  lines.push(
    line('DynamoDB reads (RRU)', counts.dynamodbRru, PRICES.dynamoRru, `${counts.dynamodbReads} requests`),
    line(
      'DynamoDB writes, checks table (WRU)',
      counts.dynamodbWru - counts.dynamodbAuditWru,
      PRICES.dynamoWru,
      `${counts.dynamodbWrites - counts.dynamodbAuditWrites} requests`,
    ),
    line(
      'DynamoDB writes, audit table (WRU)',
      counts.dynamodbAuditWru,
      PRICES.dynamoWru,
      `${counts.dynamodbAuditWrites} requests; WRU by item size`,
    ),
    line(
      'S3 PUT/COPY/POST/LIST',
      counts.s3PutClass,
      PRICES.s3PutClass,
      `${counts.s3PresignedPostUploads} presigned POST uploads; ${counts.s3Delete} DELETE free`,
    ),
    line('S3 GET/HEAD', counts.s3GetClass, PRICES.s3GetClass),
    line(
      'S3 storage while media lives',
      mediaGbMonths,
      PRICES.s3StorageGbMonth,
      `${figures.mediaBytesPerCheck} bytes for ${figures.mediaSecondsPerCheck} s`,
    ),
    line('SQS (send, receive, delete per message)', counts.sqs, PRICES.sqsRequest, `${counts.sqsMessages} messages`),
    line('API Gateway HTTP API', counts.apiGatewayRequests, PRICES.apiGatewayHttpRequest, 'create + one result read'),
    line(
      'Secrets Manager GetSecretValue',
      counts.secretsManager,
      PRICES.secretsManagerCall,
      'upper bound: measured without the cache',
    ),
    line(
      'CloudWatch Logs ingestion',
      logBytes / GB,
      PRICES.logsIngestionGb,
      `${figures.logBytesPerCheck} B measured at INFO + ~${invocations * PLATFORM_LOG_BYTES_PER_INVOCATION} B Lambda lines + ~${counts.apiGatewayRequests * ACCESS_LOG_BYTES_PER_REQUEST} B access log (estimates)`,
    ),
    line('EventBridge PutEvents', counts.eventBridgePutEvents, PRICES.eventBridgeEvent, 'none today'),
  );
  return lines;
}

export const totalPer1000 = (lines: readonly CostLine[]): number => lines.reduce((sum, item) => sum + item.usdPer1000Checks, 0);

/** Prices of a fraction of a cent read per million units. */
const unitPrice = (value: number): string => (value >= 0.001 ? `$${value}` : `$${Number((value * 1e6).toPrecision(4))} per 1M`);
/** Small quantities stay readable: at most 4 significant digits. */
const quantity = (value: number): string => (value === 0 ? '0' : Number(value.toPrecision(4)).toString());
const usd = (value: number): string => `$${value.toFixed(5)}`;

export function formatCost(lines: readonly CostLine[]): string {
  const total = totalPer1000(lines);
  const liveness = PRICES.rekognitionFaceLiveness.usd * 1000;
  return [
    `AWS cost per 1,000 checks, ${REGION}, list prices read ${PRICES_READ_ON} (provider charges excluded)`,
    table(
      ['line item', 'per check', 'unit', 'unit price', 'per 1,000 checks'],
      [
        ...lines.map((item) => [
          item.item,
          quantity(item.quantityPerCheck),
          item.unit,
          unitPrice(item.price.usd),
          usd(item.usdPer1000Checks),
        ]),
        ['total (excluding the provider)', '', '', '', usd(total)],
      ],
    ),
    '',
    `For comparison: Amazon Rekognition Face Liveness lists $${PRICES.rekognitionFaceLiveness.usd} per check, $${liveness.toFixed(2)} per 1,000 (last well-known list price; not found in the stored pages, ${PRICES.rekognitionFaceLiveness.source}).`,
    "The gateway's own AWS charges are the figure above; FPT.AI, SenseID and Verihubs each charge per call on top.",
    'Notes: KMS: none by default (SSE-S3 bucket, DynamoDB AWS-managed key cached by the service); with encryptionKey the bucket uses an S3 Bucket Key. Secrets Manager also bills $0.40 per secret-month, a fixed cost. Lambda idle SQS polling and the sweep are fixed costs, not per check.',
    '',
    'Sources:',
    ...[...new Set(Object.values(PRICES).map((price) => price.source))].map((source) => `  ${source}`),
  ].join('\n');
}

function newestBenchWithRequests(dir: string): string {
  const candidates = readdirSync(dir)
    .filter((name) => /^bench.*\.json$/.test(name))
    .map((name) => join(dir, name))
    .filter((path) => 'requests' in (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const newest = candidates[0];
  if (!newest) throw new Error(`no ${dir}/bench*.json with request figures: run \`npm run bench -- --only requests\` first`);
  return newest;
}

function main(): void {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { from: { type: 'string' } }, strict: true });
  const from = values.from ?? newestBenchWithRequests('bench-results');
  const report = JSON.parse(readFileSync(from, 'utf8')) as { at?: string; requests?: RequestBenchResult };
  if (!report.requests) throw new Error(`${from} has no request figures`);
  const lines = costLines(report.requests);
  console.log(`figures from ${from} (${report.at ?? 'undated'})\n`);
  console.log(formatCost(lines));
  writeJson('bench-results/cost.json', {
    region: REGION,
    pricesReadOn: PRICES_READ_ON,
    from,
    lines,
    totalUsdPer1000Checks: totalPer1000(lines),
    rekognitionFaceLivenessUsdPer1000Checks: PRICES.rekognitionFaceLiveness.usd * 1000,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
