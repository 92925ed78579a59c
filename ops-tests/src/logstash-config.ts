// Reads the plugin blocks of a Logstash pipeline section (input/filter/output) and their settings.
// Enough for tests to assert ports, codecs and the index; Logstash itself is the real parser.

export interface LogstashPlugin {
  name: string;
  /** Setting values as written, without the quotes of string values. */
  settings: Map<string, string>;
}

function skipString(text: string, start: number): number {
  const quote = text.charAt(start);
  let index = start + 1;
  while (index < text.length && text.charAt(index) !== quote) index += text.charAt(index) === '\\' ? 2 : 1;
  if (index >= text.length) throw new Error(`unterminated literal at offset ${start}`);
  return index + 1;
}

/** End of the string or regex literal starting at `index` (regexes follow =~ or !~), or -1 if none does. */
function literalEnd(text: string, index: number): number {
  const char = text.charAt(index);
  if (char === '"' || char === "'") return skipString(text, index);
  if (char === '/' && /[=!]~\s*$/.test(text.slice(Math.max(0, index - 8), index)))
    return skipString(text, index);
  return -1;
}

/** Index just past the bracket closing the one at `start`; strings and # comments are skipped. */
function matchingClose(text: string, start: number): number {
  const open = text.charAt(start);
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  for (let index = start; index < text.length; index += 1) {
    const char = text.charAt(index);
    const literal = literalEnd(text, index);
    if (literal !== -1) {
      index = literal - 1;
    } else if (char === '#') {
      const newline = text.indexOf('\n', index);
      index = newline === -1 ? text.length : newline;
    } else if (char === open) {
      depth += 1;
    } else if (char === close) {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  throw new Error(`unbalanced '${open}' at offset ${start}`);
}

function stripComments(text: string): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    const literal = literalEnd(text, index);
    if (literal !== -1) {
      out += text.slice(index, literal);
      index = literal;
    } else if (char === '#') {
      const newline = text.indexOf('\n', index);
      index = newline === -1 ? text.length : newline;
    } else {
      out += char;
      index += 1;
    }
  }
  return out;
}

interface Block {
  head: string;
  body: string;
}

/** The top-level `head { body }` blocks of a text (conditionals keep their whole head, e.g. `if [x]`). */
function blocks(text: string): Block[] {
  const found: Block[] = [];
  let headStart = 0;
  let index = 0;
  while (index < text.length) {
    const char = text.charAt(index);
    const literal = literalEnd(text, index);
    if (literal !== -1) {
      index = literal;
    } else if (char === '{') {
      const end = matchingClose(text, index);
      found.push({ head: text.slice(headStart, index).trim(), body: text.slice(index + 1, end - 1) });
      index = end;
      headStart = end;
    } else if (char === '}') {
      throw new Error(`unexpected '}' at offset ${index}`);
    } else {
      index += 1;
    }
  }
  return found;
}

function settingsOf(body: string): Map<string, string> {
  const settings = new Map<string, string>();
  const pattern = /([A-Za-z_][\w.]*)\s*=>\s*/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(body)) !== null) {
    const key = match[1] ?? '';
    const start = pattern.lastIndex;
    const first = body.charAt(start);
    let end: number;
    if (first === '"' || first === "'") {
      end = skipString(body, start);
      settings.set(key, body.slice(start + 1, end - 1));
    } else if (first === '[' || first === '{') {
      end = matchingClose(body, start);
      settings.set(key, body.slice(start, end));
    } else {
      end = start;
      while (end < body.length && !/\s/.test(body.charAt(end))) end += 1;
      settings.set(key, body.slice(start, end));
    }
    pattern.lastIndex = end;
  }
  return settings;
}

/** Plugins at the top level of a section, e.g. pluginsIn(conf, 'input') → tcp, beats, gelf. */
export function pluginsIn(config: string, section: 'input' | 'filter' | 'output'): LogstashPlugin[] {
  const sections = blocks(stripComments(config)).filter((block) => block.head === section);
  return sections.flatMap((block) =>
    blocks(block.body)
      .filter((plugin) => /^[A-Za-z_][\w-]*$/.test(plugin.head) && plugin.head !== 'else')
      .map((plugin) => ({ name: plugin.head, settings: settingsOf(plugin.body) })),
  );
}

/** The section names at the top level, in order; throws on unbalanced braces. */
export function sectionNames(config: string): string[] {
  return blocks(stripComments(config)).map((block) => block.head);
}
