// Child process of `npm run bench` (peak memory of the processor): wires ONLY the processor, as
// functions/process-upload/index.ts does, but against the parent's local stand-ins, handles one
// SQS-wrapped S3 record, and reports its peak RSS (the analogue of Lambda's "Max Memory Used").
// Run as `node --import tsx scripts/support/processor-child.ts` with BENCH_PROCESSOR_INPUT set;
// the report goes back over the IPC channel so nothing else on stdout can garble it.
// Start it from a small process (bench.ts goes through /bin/sh): on Linux a process's maxRSS starts
// at the RSS of whatever forked it, since the forked copy's peak is carried across exec.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { S3EventRecord } from 'aws-lambda';
import { z } from 'zod';
import { makeProcessUploadHandler } from '../../functions/process-upload/handler';
import { wireGateway } from '../../functions/common/wiring';
import { createLambdaContext } from '../../local/api-server';
import { LOCAL_S3_CREDENTIALS } from '../../local/s3-gateway';
import { createAwsClients } from '../../src/adapters/aws/clients';
import { parseGatewayConfig } from '../../src/core/config';
import { silentLog } from '../../src/core/log';
import { sqsEventFor } from './sqs';

export interface ProcessorChildInput {
  readonly config: unknown;
  readonly endpoints: { readonly s3: string; readonly dynamodb: string; readonly secretsManager: string };
  readonly record: S3EventRecord;
}

export interface ProcessorChildReport {
  /** Peak RSS after imports and wiring, before the message (KiB, as resourceUsage reports it). */
  readonly baselineMaxRssKiB: number;
  /** Peak RSS over the whole process life, message included (KiB). */
  readonly maxRssKiB: number;
  /** Linux VmHWM (peak RSS of this process image alone, KiB): a cross-check of maxRSS; NaN elsewhere. */
  readonly vmHwmKiB: number;
  readonly handlerMs: number;
  readonly batchItemFailures: number;
}

/** VmHWM from /proc/self/status; NaN where there is no procfs. */
export function vmHwmKiB(): number {
  try {
    return Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

const inputSchema = z.object({
  config: z.unknown(),
  endpoints: z.object({ s3: z.string(), dynamodb: z.string(), secretsManager: z.string() }),
  record: z.object({ awsRegion: z.string() }).loose(),
});

async function main(): Promise<void> {
  const raw = process.env.BENCH_PROCESSOR_INPUT;
  if (!raw || !process.send) throw new Error('run by scripts/bench.ts only (needs BENCH_PROCESSOR_INPUT and an IPC channel)');
  const parsed = inputSchema.parse(JSON.parse(raw));
  // The parsed shape is checked above; the record itself is handed on exactly as the parent got it.
  const record = parsed.record as unknown as S3EventRecord;
  const region = parsed.record.awsRegion;
  const clients = createAwsClients({ region, credentials: LOCAL_S3_CREDENTIALS, endpoints: parsed.endpoints });
  const deps = wireGateway(parseGatewayConfig(parsed.config), clients, { log: silentLog });
  const handler = makeProcessUploadHandler(deps);
  const baselineMaxRssKiB = process.resourceUsage().maxRSS;

  const started = performance.now();
  const response = await handler(
    sqsEventFor(record),
    createLambdaContext({ functionName: 'process-upload', timeoutMs: 120_000, region }),
  );
  const handlerMs = performance.now() - started;
  const report: ProcessorChildReport = {
    baselineMaxRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    vmHwmKiB: vmHwmKiB(),
    handlerMs,
    batchItemFailures: response.batchItemFailures.length,
  };
  clients.s3.destroy();
  clients.dynamo.destroy();
  clients.secrets.destroy();
  process.send(report, () => process.disconnect());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
});
