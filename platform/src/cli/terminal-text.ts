// Log lines and dead letters carry text from outside (request paths, user names, handler errors). Printed
// raw, an escape sequence in them moves the cursor, clears the screen or sets the window title of whoever
// reads them: C0 controls (ESC, BEL, CR, ...), DEL, C1 controls (0x9b is a one-byte CSI for many
// terminals) and the Unicode controls that reorder or break lines (bidi overrides and isolates, U+2028/9).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One value for a terminal: every control character becomes a visible escape (`\x1b`, `\n`, `\u202e`), so
 * the text shows what it holds and can neither drive the terminal nor fake another line.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * A whole block of output: like `printable`, but its line breaks stay line breaks. The last guard before
 * stdout and stderr, for text the command composed itself around values already made printable.
 */
export function printableLines(text: string): string {
  return text
    .split('\n')
    .map((line) => printable(line))
    .join('\n');
}

/**
 * `JSON.stringify` for a terminal: still the same JSON value, but the characters JSON leaves raw (DEL, C1,
 * bidi controls, U+2028/9) are written as `\u` escapes too (JSON already escapes U+0000-U+001F).
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    UNSAFE_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
