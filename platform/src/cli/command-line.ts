import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Why a command line was refused, said in a line: `unknown option --since`, `--id needs a value`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Parsed<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/**
 * `node:util` parseArgs, strict (an unknown option is an error, never ignored) with positionals; its
 * errors become one-line `UsageError`s a command prints above its usage.
 */
export function parseCommandLine<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
): Parsed<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as Error & { code?: string };
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /missing|ambiguous/.test(message)) {
      throw new UsageError(`${option} needs a value`);
    }
    if (code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(message.split('\n')[0] ?? message);
    throw error;
  }
}
