// `liveness reviews`, `liveness review <checkId> --decision … --reviewer …` and
// `liveness media <checkId> <part>`: the human-review routes from the command line, signed with
// SigV4 like `liveness check` when the API is not on this machine.
import { PART_NAMES, type PartName } from '../src/core/check';
import { LivenessClient } from '../src/client/node';
import { apiUrlOption, signerFor } from './api-target';
import { UsageError } from './args';
import type { CliIo } from './main';
import { parseArgs } from 'node:util';

export const REVIEW_USAGE = `Usage:
  liveness reviews [--limit <n>] [--next-token <token>] [--json]
  liveness review <checkId> --decision PASS|FAIL|RETRY --reviewer <name> [--note <text>] [--json]
  liveness media <checkId> <part> [--json]      (prints a presigned URL, valid 5 minutes)

Options: --api <url> (default $LIVENESS_API, else http://127.0.0.1:3000; a non-loopback URL is signed with SigV4)
`;

const DECISIONS = ['PASS', 'FAIL', 'RETRY'] as const;

/** Runs one of the review commands; the exit code (0 done, 2 usage, 3 API error). */
export async function reviewMain(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        api: { type: 'string' },
        limit: { type: 'string' },
        'next-token': { type: 'string' },
        decision: { type: 'string' },
        reviewer: { type: 'string' },
        note: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`liveness: ${error instanceof Error ? error.message : String(error)}\n\n${REVIEW_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(REVIEW_USAGE);
    return 0;
  }
  const signal = io.signal ? { signal: io.signal } : {};
  try {
    const api = apiUrlOption(values.api, io.env);
    const signRequest = signerFor(api, io.env);
    const client = new LivenessClient({ apiUrl: api, ...(signRequest ? { signRequest } : {}) });
    const [command, checkId, part] = positionals;
    if (command === 'reviews' && positionals.length === 1) {
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100))
        throw new UsageError('--limit must be a whole number from 1 to 100');
      const page = await client.listReviews(
        { ...(limit !== undefined ? { limit } : {}), ...(values['next-token'] ? { nextToken: values['next-token'] } : {}) },
        signal,
      );
      if (values.json) io.stdout.write(`${JSON.stringify(page)}\n`);
      else {
        for (const item of page.items)
          io.stdout.write(
            `${item.checkId}  ${item.provider}  ${item.completedAt}  ${item.reasons.map((r) => r.code).join(',')}\n`,
          );
        if (page.nextToken) io.stdout.write(`more: --next-token ${page.nextToken}\n`);
      }
      return 0;
    }
    if (command === 'review' && checkId !== undefined && positionals.length === 2) {
      const decision = DECISIONS.find((candidate) => candidate === values.decision);
      if (!decision) throw new UsageError('--decision must be PASS, FAIL or RETRY');
      if (!values.reviewer) throw new UsageError('--reviewer <name> is required');
      const result = await client.reviewCheck(
        checkId,
        { decision, reviewer: values.reviewer, ...(values.note !== undefined ? { note: values.note } : {}) },
        signal,
      );
      io.stdout.write(
        values.json
          ? `${JSON.stringify(result)}\n`
          : `${result.decision}  check ${result.checkId}  reviewed by ${values.reviewer}\n`,
      );
      return 0;
    }
    if (command === 'media' && checkId !== undefined && part !== undefined && positionals.length === 3) {
      const name = PART_NAMES.find((candidate) => candidate === part);
      if (!name) throw new UsageError(`<part> must be one of ${PART_NAMES.join(', ')}`);
      const link = await client.getMediaUrl(checkId, name satisfies PartName, signal);
      io.stdout.write(values.json ? `${JSON.stringify(link)}\n` : `${link.url}\n`);
      return 0;
    }
    throw new UsageError(`unknown or incomplete command "${positionals.join(' ')}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`liveness: ${error.message}\n\n${REVIEW_USAGE}`);
      return 2;
    }
    io.stderr.write(`liveness: ${error instanceof Error ? error.message : String(error)}\n`);
    return 3;
  }
}
