import { describe, expect, test } from 'vitest';
import {
  brokenLinks,
  headingAnchor,
  markdownAnchors,
  outsideReferences,
  outsideReferencesIn,
  repoTextFiles,
} from '../src/repo-hygiene.js';

const files = repoTextFiles();
/** Pages other open work items are still writing (the security model). */
const PENDING_DOCS = new Set<string>();
const format = (findings: { file: string; line: number; text: string }[]) =>
  findings.map((finding) => `${finding.file}:${finding.line}: ${finding.text}`).join('\n');

describe('The repository is self-contained', () => {
  test('When every tracked text file is read, then none cites a document outside the repo or a machine path', () => {
    expect(files.length).toBeGreaterThan(100);

    const findings = outsideReferences(files);

    expect(format(findings)).toBe('');
  });

  test('When a line cites an outside design section, a shared folder or a machine path, then the scan reports it', () => {
    const samples = [
      ['design', '\u00a74'].join(' '),
      `see ${['..', 'shared', 'design.md'].join('/')}`,
      `at handler (${['', 'work', 'main', 'app.js'].join('/')}:10:5)`,
      `cd ${['', 'home', 'ada', 'shop'].join('/')}`,
    ];
    for (const sample of samples) expect(outsideReferencesIn(sample), sample).toHaveLength(1);
    expect(
      outsideReferencesIn('see docs/architecture.md#the-order-saga, DATA_DIR=/tmp/shop2, /app/data'),
    ).toEqual([]);
  });

  test('When the Markdown links and docs/*.md#anchor references are followed, then every file and heading exists', () => {
    const broken = brokenLinks(files, PENDING_DOCS);

    expect(broken.map((link) => `${link.file}:${link.line}: ${link.target}`).join('\n')).toBe('');
  });

  test('When headings are turned into anchors, then they follow GitHub: lower case, punctuation dropped, repeats numbered', () => {
    expect(headingAnchor('Events: outbox and inbox')).toBe('events-outbox-and-inbox');
    expect(headingAnchor('`npm run trace` and Kibana')).toBe('npm-run-trace-and-kibana');
    expect(headingAnchor('Against a stack you started (`GATEWAY_URL`)')).toBe(
      'against-a-stack-you-started-gateway_url',
    );
    expect([...markdownAnchors('# A\n```\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
  });
});
