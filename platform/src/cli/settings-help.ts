import type { z } from 'zod';
import { parseCommandLine, UsageError } from './command-line.js';

const WIDTH = 100;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The environment variables of a command, one entry each, from the `.describe()` text of every key of its
 * settings schema: the help cannot forget a setting the command reads.
 */
export function describeSettings(schema: z.ZodObject): string[] {
  const names = Object.keys(schema.shape);
  const column = Math.max(...names.map((name) => name.length)) + 4;
  return names.flatMap((name) => {
    const field = schema.shape[name] as z.ZodType;
    const [first = '(undocumented)', ...rest] = wrap(field.description ?? '', WIDTH - column);
    return [`  ${name.padEnd(column - 2)}${first}`, ...rest.map((line) => `${' '.repeat(column)}${line}`)];
  });
}

/**
 * For a command set up by environment variables only: `--help` / `-h` asks for the usage (exit 0), and
 * anything else on the command line is refused (exit 2) rather than ignored. Returns the exit code when the
 * command should stop there, undefined when it should run.
 */
export function answerHelp(
  argv: readonly string[],
  usage: string,
  io: { out(text: string): void; err(text: string): void },
): number | undefined {
  try {
    const { values, positionals } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } });
    if (values.help === true) {
      io.out(usage);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0] ?? ''}`);
    return undefined;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${usage}`);
    return 2;
  }
}
