import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** The file `npm start` writes into its data directory (scripts/lib/stack-file.mjs). */
export const STACK_FILE = 'stack.json';

const stackFileSchema = z.object({
  gatewayUrl: z.string(),
  dataDir: z.string(),
  logsDir: z.string(),
  transport: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('embedded'), file: z.string() }),
    z.object({ kind: z.literal('rabbitmq'), url: z.string(), passwordOmitted: z.boolean() }),
  ]),
  services: z.record(z.string(), z.string()).optional(),
  launcherPid: z.number().int().optional(),
  startedAt: z.string().optional(),
});

/** What the launcher recorded about the stack it runs (or ran) on a data directory. */
export type StackFile = z.infer<typeof stackFileSchema>;

/** Where the stack was looked for: `--dir`, the DATA_DIR variable, or the default ./data. */
export type StackChoice = '--dir' | 'DATA_DIR' | 'default';

export interface StackLocation {
  /** Absolute path of the data directory. */
  dataDir: string;
  chosenBy: StackChoice;
  /** Its stack.json, when a launcher wrote one. */
  stack?: StackFile;
}

/** No data directory where the command looked; the message says where it looked and what to give it. */
export class StackNotFoundError extends Error {
  override readonly name = 'StackNotFoundError';
}

/** How a command names the data directory in its messages: `DATA_DIR=<dir> npm run trace -- ...`. */
export function howToNameTheStack(command: string): string {
  return (
    `Start a stack with \`npm start\`, or name the data directory of the one you mean (the launcher ` +
    `prints it as \`export GW=… DATA_DIR=…\`):\n` +
    `  DATA_DIR=<dir> npm run ${command} -- …\n` +
    `  npm run ${command} -- --dir <dir> …`
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Reads `<dataDir>/stack.json`; undefined when there is none, an error when it is damaged. */
export function readStackFile(dataDir: string): StackFile | undefined {
  const file = join(dataDir, STACK_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StackNotFoundError(`${file} is not readable JSON (${(error as Error).message})`);
  }
  const result = stackFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new StackNotFoundError(`${file} is not a stack description: ${result.error.issues[0]?.message}`);
  }
  return result.data;
}

/**
 * Finds the data directory a command means: `--dir`, else the DATA_DIR variable, else ./data (where
 * `npm start` puts it by default). Throws StackNotFoundError, saying where it looked, when there is no
 * such directory: a command never creates one.
 */
export function locateStack(options: {
  dir?: string | undefined;
  dataDirVariable?: string | undefined;
  command: string;
}): StackLocation {
  const dataDirVariable = options.dataDirVariable?.trim();
  const [given, chosenBy]: [string, StackChoice] =
    options.dir !== undefined
      ? [options.dir, '--dir']
      : dataDirVariable
        ? [dataDirVariable, 'DATA_DIR']
        : ['data', 'default'];
  const dataDir = resolve(given);
  if (!isDirectory(dataDir)) {
    const what =
      chosenBy === 'default'
        ? `no stack found: the default data directory ${dataDir} does not exist.`
        : `${dataDir} (from ${chosenBy}) is not a directory.`;
    throw new StackNotFoundError(`${what}\n${howToNameTheStack(options.command)}`);
  }
  const stack = readStackFile(dataDir);
  return stack ? { dataDir, chosenBy, stack } : { dataDir, chosenBy };
}
