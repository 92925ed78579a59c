import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { repoRoot } from './repo-files.js';

/** Files a text scan makes sense for: what git tracks or would add (node_modules, dist, data ignored). */
export function repoTextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return listed
    .split('\0')
    .filter((path) => path.length > 0 && existsSync(join(repoRoot, path)))
    .filter((path) => !/\.(png|jpe?g|gif|ico|woff2?|gz|tgz|db|sqlite)$/i.test(path))
    .filter((path) => path !== 'package-lock.json' && statSync(join(repoRoot, path)).size < 2_000_000);
}

export interface Finding {
  file: string;
  line: number;
  text: string;
}

// Built from pieces so this file does not match itself.
const SECTION = '\u00a7';
const OUTSIDE_REFERENCES: { what: string; pattern: RegExp }[] = [
  {
    what: 'a section of a design document outside the repo',
    pattern: new RegExp(`design\\s*${SECTION}`, 'i'),
  },
  {
    what: 'a path into a shared folder outside the repo',
    pattern: new RegExp(['\\.\\.', 'shared'].join('/')),
  },
  {
    what: 'an absolute path of a development machine',
    // Placeholder users (/home/you/...) in example output are fine.
    pattern: new RegExp(
      `(^|[\\s'"\`(=:])/(${['work', 'home', 'Users', 'root'].join('|')})/(?!(you|user|me)/)[A-Za-z0-9._-]`,
    ),
  },
];

/** What `text` cites outside the repository (empty when nothing). */
export function outsideReferencesIn(text: string): string[] {
  return OUTSIDE_REFERENCES.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
}

/** Every line that cites a document outside the repository or an absolute path of someone's machine. */
export function outsideReferences(files: readonly string[]): (Finding & { what: string })[] {
  const findings: (Finding & { what: string })[] = [];
  for (const file of files) {
    const lines = readFileSync(join(repoRoot, file), 'utf8').split('\n');
    lines.forEach((text, index) => {
      for (const what of outsideReferencesIn(text))
        findings.push({ file, line: index + 1, text: text.trim(), what });
    });
  }
  return findings;
}

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*]/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a Markdown file offers: one per heading (outside code fences), duplicates numbered. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const base = headingAnchor(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/**
 * Relative links of the Markdown files (`[text](target)`) and `docs/*.md#anchor` references anywhere, whose
 * file or heading does not exist. `pending` names files another part of the work is writing: a link to one is
 * accepted while it does not exist, and checked like any other once it does.
 */
export function brokenLinks(
  files: readonly string[],
  pending: ReadonlySet<string> = new Set(),
): (Finding & { target: string })[] {
  const broken: (Finding & { target: string })[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string) => {
    let set = anchorsOf.get(path);
    if (set === undefined) {
      set = markdownAnchors(readFileSync(join(repoRoot, path), 'utf8'));
      anchorsOf.set(path, set);
    }
    return set;
  };
  const check = (file: string, line: number, text: string, target: string, base: string) => {
    const [pathPart = '', anchor] = target.split('#');
    const resolved = pathPart === '' ? file : normalize(join(base, decodeURI(pathPart)));
    if (pending.has(resolved) && !existsSync(join(repoRoot, resolved))) return;
    if (resolved.startsWith('..') || !existsSync(join(repoRoot, resolved))) {
      broken.push({ file, line, text, target });
      return;
    }
    if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
      broken.push({ file, line, text, target });
  };
  for (const file of files) {
    const content = readFileSync(join(repoRoot, file), 'utf8');
    const lines = content.split('\n');
    let fenced = false;
    lines.forEach((text, index) => {
      if (file.endsWith('.md')) {
        if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
        if (fenced) return;
        for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
          const target = match[1] ?? '';
          if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
          if (target.startsWith('/')) {
            broken.push({ file, line: index + 1, text: text.trim(), target });
            continue;
          }
          check(file, index + 1, text.trim(), target, dirname(file));
        }
      } else {
        for (const match of text.matchAll(/\bdocs\/[\w./-]+\.md(#[\w-]+)?/g)) {
          check(file, index + 1, text.trim(), match[0], '.');
        }
      }
    });
  }
  return broken;
}
