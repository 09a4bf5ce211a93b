// Every error the project defines derives from GatewayError: named after its class, its cause kept,
// and described the same way in logs. Found by reading the sources, so a new error class that
// extends Error directly fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeError, GatewayError } from '../../../src/core/errors';
import { FptRequestError } from '../../../src/providers/fpt/adapter';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The folders whose code throws on purpose: the gateway, its local stand-ins, the CLI and the pages. */
const SOURCE_DIRS = ['src', 'local', 'cli', 'lib', 'functions', 'web'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));

describe('project errors', () => {
  it('declares no class that extends a built-in Error except GatewayError itself', () => {
    const direct = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/class (\w+) extends (Error|TypeError|RangeError)\b/g)].map(
        (match) => `${relative(ROOT, file)}: ${match[1]} extends ${match[2]}`,
      ),
    );

    expect(direct).toEqual(['src/core/errors.ts: GatewayError extends Error']);
  });

  it('makes every exported error class of src/ a GatewayError, by loading each one', async () => {
    const declaring = files.filter(
      (file) => file.startsWith(join(ROOT, 'src')) && /export (abstract )?class \w+ extends/.test(readFileSync(file, 'utf8')),
    );
    const errorClasses: [string, unknown][] = [];
    for (const file of declaring) {
      const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value === 'function' && value.prototype instanceof Error) errorClasses.push([name, value]);
      }
    }

    const names = errorClasses.map(([name]) => name);
    expect(names).toEqual(
      expect.arrayContaining([
        'FptRequestError',
        'SenseIdRequestError',
        'VerihubsRequestError',
        'SimulatorError',
        'LivenessApiError',
      ]),
    );
    const notGateway = errorClasses.filter(
      ([name, value]) => name !== 'GatewayError' && !((value as { prototype: unknown }).prototype instanceof GatewayError),
    );
    expect(notGateway.map(([name]) => name)).toEqual([]);
  });

  it('names a provider adapter error after its class, keeps its message and describes it the same way', () => {
    const error = new FptRequestError('FPT takes a video or a selfie');

    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toBeInstanceOf(FptRequestError);
    expect(error.name).toBe('FptRequestError');
    expect(describeError(error)).toBe('FptRequestError: FPT takes a video or a selfie');
  });

  it('keeps the cause it was given', () => {
    const cause = new Error('socket hang up');

    const error = new GatewayError('the secret could not be read', { cause });

    expect(error.cause).toBe(cause);
    expect(describeError(error)).toBe('GatewayError: the secret could not be read');
  });
});
