/**
 * The one time a generated admin password is shown: straight to stdout, framed so it stands out in the
 * launcher's output, and never through the logger (log lines are shipped and kept).
 */
export function announceGeneratedAdmin(email: string, password: string, write: (text: string) => void): void {
  const line = `Admin account created: email=${email} password=${password}`;
  const rule = '='.repeat(line.length + 4);
  write(
    [
      '',
      rule,
      `| ${line} |`,
      `| ${'Shown only this once: store it now.'.padEnd(line.length)} |`,
      rule,
      '',
      '',
    ].join('\n'),
  );
}
