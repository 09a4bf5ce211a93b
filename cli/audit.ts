// `liveness audit <checkId>`: a check's audit trail as a table (or --json), read from
// GET /v1/checks/{checkId}/audit with the same --api / LIVENESS_API and signing as `check`.
import { LivenessClient, type AuditTrailResponse } from '../src/client/node';
import { apiUrlOption, signerFor } from './api-target';
import { UsageError } from './args';
import { EXIT, reportFailure, type CliIo } from './main';
import { parseArgs } from 'node:util';

export const AUDIT_USAGE = `Usage: liveness audit <checkId> [--api <url>] [--json]

Prints the audit trail of one check, oldest step first: when, what, and the detail recorded.

Options:
  --api <url>   API base URL (default $LIVENESS_API, else http://127.0.0.1:3000); a non-loopback
                URL is signed with SigV4 (the caller needs execute-api:Invoke on the audit route)
  --json        print the API's answer, {"items":[{seq, at, type, detail}]}, and nothing else
  -h, --help    show this help

Exit codes: 0 printed; 2 usage error; 3 API or transport error (404: no such check).
`;

const CHECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function auditMain(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  let command: { api: string; checkId: string; json: boolean } | 'help';
  try {
    command = parseAudit(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { kind: 'usage', message: error.message } })}\n`);
    else io.stderr.write(`liveness: ${error.message}\n\n${AUDIT_USAGE}`);
    return EXIT.usage;
  }
  if (command === 'help') {
    io.stdout.write(AUDIT_USAGE);
    return EXIT.pass;
  }
  try {
    const signRequest = signerFor(command.api, io.env);
    const client = new LivenessClient({ apiUrl: command.api, ...(signRequest ? { signRequest } : {}) });
    const trail = await client.getAuditTrail(command.checkId, io.signal ? { signal: io.signal } : {});
    io.stdout.write(command.json ? `${JSON.stringify(trail)}\n` : formatAuditTrail(trail));
    return EXIT.pass;
  } catch (error) {
    return reportFailure(error, command.json, io);
  }
}

function parseAudit(argv: readonly string[], env: CliIo['env']): { api: string; checkId: string; json: boolean } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        api: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) return 'help';
  const [, checkId, ...extra] = parsed.positionals;
  if (checkId === undefined) throw new UsageError('give the checkId: liveness audit <checkId>');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra.join(' ')}"`);
  if (!CHECK_ID.test(checkId)) throw new UsageError(`"${checkId}" is not a checkId (a UUID)`);
  return { api: apiUrlOption(parsed.values.api, env), checkId, json: parsed.values.json };
}

/** One line per step: time, type, then the detail as compact key=value pairs. */
export function formatAuditTrail(trail: AuditTrailResponse): string {
  const rows = trail.items.map((item) => [item.at, item.type, describeDetail(item.detail)] as const);
  const typeWidth = Math.max(4, ...rows.map(([, type]) => type.length));
  const header = `${'AT'.padEnd(24)}  ${'TYPE'.padEnd(typeWidth)}  DETAIL`;
  return `${[header, ...rows.map(([at, type, detail]) => `${at.padEnd(24)}  ${type.padEnd(typeWidth)}  ${detail}`)].join('\n')}\n`;
}

function describeDetail(detail: Readonly<Record<string, unknown>>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}
