// Command-line parsing shared by the CLI's commands: strict options, the command words checked,
// every mistake a UsageError (exit 2, with the command's help).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GatewayError } from '../src/core/errors';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export class UsageError extends GatewayError {}

/**
 * Parses `liveness <command words> [options]`: the option values, or 'help' for -h/--help
 * (declare `help` among the options).
 */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  command: readonly string[],
  options: O,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if ((values as Record<string, unknown>).help === true) return 'help';
  const given = positionals.join(' ');
  if (given !== command.join(' ')) {
    const incomplete = positionals.length < command.length && positionals.every((word, index) => word === command[index]);
    throw new UsageError(incomplete ? `missing the command: liveness ${command.join(' ')} ...` : `unknown command "${given}"`);
  }
  return values;
}
