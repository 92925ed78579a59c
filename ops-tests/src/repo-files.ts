import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function repoPath(relativePath: string): string {
  return join(repoRoot, relativePath);
}

export function repoFileExists(relativePath: string): boolean {
  return existsSync(repoPath(relativePath));
}

export function readRepoText(relativePath: string): string {
  return readFileSync(repoPath(relativePath), 'utf8');
}

export function readRepoJson(relativePath: string): unknown {
  return JSON.parse(readRepoText(relativePath)) as unknown;
}

/** Parses one YAML document; `merge` resolves `<<: *anchor` keys as docker compose does. */
export function readRepoYaml(relativePath: string): unknown {
  return parse(readRepoText(relativePath), { merge: true, prettyErrors: true }) as unknown;
}

/** Parses every document of a multi-document YAML file, failing on the first syntax error. */
export function readRepoYamlDocuments(relativePath: string): unknown[] {
  const documents = parseAllDocuments(readRepoText(relativePath), { merge: true, prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  return list.map((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(
        `${relativePath} document ${index}: ${document.errors.map((e) => e.message).join('; ')}`,
      );
    }
    return document.toJS() as unknown;
  });
}
