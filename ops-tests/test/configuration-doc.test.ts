import { describe, expect, test } from 'vitest';
import { readRepoText } from '../src/repo-files.js';
import { SERVICES } from '../src/service-catalog.js';

/** The upper-case keys a config source declares (`NAME: env.int(...)` and the like). */
function declaredKeys(source: string): Set<string> {
  return new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]+)\??:/gm)].map((match) => match[1] ?? ''));
}

/** The variables of the table rows under one `## heading` of docs/configuration.md. */
function documentedKeys(markdown: string, heading: string): Set<string> {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, `docs/configuration.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const rest = markdown.slice(start + heading.length + 5);
  const section = rest.slice(0, rest.search(/\n## |$/));
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((match) => match[1] ?? ''));
}

const doc = readRepoText('docs/configuration.md');
const baseSource = readRepoText('platform/src/config/config.ts');
const baseKeys = declaredKeys(
  baseSource.slice(
    baseSource.indexOf('export const baseConfigShape'),
    baseSource.indexOf('export type BaseConfigShape'),
  ),
);

describe('docs/configuration.md', () => {
  test('When the shared settings are compared, then every baseConfigShape variable has a row and every row a variable', () => {
    const documented = documentedKeys(doc, 'Every service');
    expect(baseKeys.size).toBeGreaterThan(15);
    // PORT is declared by each service; the shared table names it once.
    expect([...documented].filter((key) => key !== 'PORT').sort()).toEqual([...baseKeys].sort());
  });

  test.each(SERVICES.map((service) => service.name))(
    'When %s is compared, then each of its own variables has a row in its section and each row is one of them',
    (name) => {
      const own = declaredKeys(readRepoText(`${name}/src/config.ts`));
      for (const key of baseKeys) own.delete(key);
      expect([...documentedKeys(doc, name)].sort()).toEqual([...own].sort());
    },
  );
});
