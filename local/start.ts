// `npm start`: the whole pipeline on this machine. See README.md, "Run it locally".
import { startLocalStackWithPage } from '../web/serve';
import { onOff } from './stack';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(2);
}

/** A whole number of seconds from an environment variable, or the default; exits on anything else. */
function seconds(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be a whole number of seconds from ${min} to ${max}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}
// Local timing knobs, so an expiry can be watched without waiting 15 minutes.
const uploadExpirySeconds = seconds('UPLOAD_EXPIRY_SECONDS', 900, 60, 900);
const sweepIntervalSeconds = seconds('SWEEP_INTERVAL_SECONDS', 60, 1, 3600);

// The face pre-check of image parts is on unless FACE_PRECHECK=off (as the stack prop `facePrecheck`).
let facePrecheck = true;
try {
  facePrecheck = onOff('FACE_PRECHECK', process.env.FACE_PRECHECK);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
const logLevel = LOG_LEVELS.find((level) => level === (process.env.LOG_LEVEL ?? 'INFO').toUpperCase()) ?? 'INFO';
// The functions' own Powertools logger (request id and checkId on every line). At DEBUG the EMF
// records are printed too, one JSON line each, as Lambda prints them to CloudWatch Logs.
const stack = await startLocalStackWithPage({
  port,
  observability: {
    logLevel,
    ...(logLevel === 'DEBUG' ? { onEmf: (line: string) => process.stdout.write(`${line}\n`) } : {}),
  },
  uploadExpirySeconds,
  sweepIntervalMs: sweepIntervalSeconds * 1000,
  config: { facePrecheck },
}).catch((error: unknown) => {
  console.error(`Could not start the local stack: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const simulated = Object.entries(stack.simulators).map(([id, sim]) => `  ${id.padEnd(9)} simulator ${sim.url}`);
const real = stack.deps.providers.enabled
  .filter((id) => !(id in stack.simulators))
  .map((id) => `  ${id.padEnd(9)} configured endpoint (from ${stack.deps.providers.get(id)?.adapter.local.endpointVariable})`);
console.log(
  [
    '',
    `Liveness Gateway (local) — API ${stack.apiUrl}`,
    `  capture page     ${stack.apiUrl}/`,
    `  review page      ${stack.apiUrl}/review (local only: it calls the open review routes)`,
    `  OpenAPI document ${stack.apiUrl}/v1/openapi.json`,
    `  default provider: ${stack.deps.providers.defaultProvider}`,
    `  face pre-check of images: ${facePrecheck ? 'on' : 'off (FACE_PRECHECK=off)'}`,
    ...simulated,
    ...real,
    `  S3 (policy-enforcing) ${stack.s3Endpoint}/${stack.bucket}`,
    `  upload forms expire after ${uploadExpirySeconds} s; the sweep runs every ${sweepIntervalSeconds} s`,
    ...webhookLines(),
    `  DynamoDB         ${stack.endpoints.dynamodb} (tables ${stack.deps.config.checksTable}, ${stack.deps.config.auditTable})`,
    `  metrics          ${stack.apiUrl}/__local/metrics (EMF records printed with LOG_LEVEL=DEBUG)`,
    '',
    'WARNING: locally the backend routes (POST /v1/checks, GET /v1/checks/{id}/result,',
    'GET /v1/checks/{id}/audit, DELETE /v1/checks/{id}, GET /v1/reviews, GET /v1/checks/{id}/media/{part}',
    'and POST /v1/checks/{id}/review) are NOT IAM-authorised: anyone who can reach this port can',
    'create checks, read full results, trails and media, decide reviews and erase checks.',
    'The poll route checks its token exactly as in AWS. Keep this bound to 127.0.0.1.',
    '',
  ].join('\n'),
);

function webhookLines(): string[] {
  const { endpoints, generatedSecret } = stack.webhooks;
  if (endpoints.length === 0) return ['  webhooks: none (set WEBHOOK_URL to receive outcome events)'];
  return [
    ...endpoints.map((url) => `  webhooks → ${url}`),
    // Only a secret made here is printed: one that was supplied is never echoed.
    generatedSecret
      ? `  webhook signing secret (generated; set WEBHOOK_SECRET to choose one): ${generatedSecret}`
      : '  webhook signing secret: from WEBHOOK_SECRET',
  ];
}

// Stopping removes the stand-ins' temporary data; so does the exit hook of a forced exit, and
// a directory left by a killed run is reaped by the next start.
let stopping = false;
const shutdown = async () => {
  // A second signal while stopping (a hung client, an impatient Ctrl-C) exits at once.
  if (stopping) process.exit(130);
  stopping = true;
  await stack.stop();
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown());
