// The README's curl walk-through, run verbatim (only the API address is swapped for this stack's).
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';

const run = promisify(execFile);
let stack: LocalStack;

/** The walk-through's commands besides bash; a machine with only Node and npm may lack them. */
const missingTools = ['curl', 'jq'].filter((tool) => {
  try {
    execFileSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
const skipReason = missingTools.length > 0 ? ` (skipped: ${missingTools.join(' and ')} not installed)` : '';
if (skipReason) console.warn(`README walk-through test${skipReason}; .ci/run installs them.`);

beforeAll(async () => {
  if (missingTools.length === 0) stack = await startLocalStack({ port: 0, env: {} });
});
afterAll(async () => {
  await stack?.stop();
});

function walkThrough(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Walk-through with curl'));
  const match = /```bash\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no walk-through block');
  return match[1];
}

it.skipIf(missingTools.length > 0)(
  `runs the README curl walk-through against the local stack and ends with a PASS${skipReason}`,
  async () => {
    const script = walkThrough();
    expect(script).toContain('API=http://127.0.0.1:3000');
    const { stdout } = await run(
      'bash',
      ['-euo', 'pipefail', '-c', script.replace('API=http://127.0.0.1:3000', `API=${stack.apiUrl}`)],
      {
        cwd: new URL('../..', import.meta.url).pathname,
        timeout: 30_000,
      },
    );
    expect(stdout).toContain('video: HTTP 204');
    expect(stdout).toContain('reference: HTTP 204');
    expect(stdout).toMatch(/"status": "COMPLETED",\s+"decision": "PASS"/);
    expect(stdout).toContain('"externalRef": "applicant-42"');
  },
);
