// `npm start`: the whole pipeline on this machine. See README.md, "Run it locally".
import { Logger } from '@aws-lambda-powertools/logger';
import { powertoolsLog } from '../functions/common/log';
import { startLocalStackWithPage } from '../web/serve';

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(2);
}

// The face pre-check of image parts is on unless FACE_PRECHECK=off (as the stack prop `facePrecheck`).
const facePrecheckSetting = (process.env.FACE_PRECHECK ?? 'on').toLowerCase();
if (facePrecheckSetting !== 'on' && facePrecheckSetting !== 'off') {
  console.error(`FACE_PRECHECK must be "on" or "off", got "${process.env.FACE_PRECHECK}"`);
  process.exit(2);
}
const facePrecheck = facePrecheckSetting === 'on';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
const logLevel = LOG_LEVELS.find((level) => level === (process.env.LOG_LEVEL ?? 'INFO').toUpperCase()) ?? 'INFO';
const log = powertoolsLog(new Logger({ serviceName: 'liveness-gateway-local', logLevel }));

const stack = await startLocalStackWithPage({ port, log, config: { facePrecheck } }).catch((error: unknown) => {
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
    `  OpenAPI document ${stack.apiUrl}/v1/openapi.json`,
    `  default provider: ${stack.deps.providers.defaultProvider}`,
    `  face pre-check of images: ${facePrecheck ? 'on' : 'off (FACE_PRECHECK=off)'}`,
    ...simulated,
    ...real,
    `  S3 (policy-enforcing) ${stack.s3Endpoint}/${stack.bucket}`,
    '',
    'WARNING: locally the backend routes (POST /v1/checks, GET /v1/checks/{id}/result and',
    'DELETE /v1/checks/{id}) are NOT IAM-authorised: anyone who can reach this port can create',
    'checks, read full results and erase them.',
    'The poll route checks its token exactly as in AWS. Keep this bound to 127.0.0.1.',
    '',
  ].join('\n'),
);

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
