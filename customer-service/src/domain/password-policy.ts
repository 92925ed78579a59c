import { AppError } from '@shop/platform/runtime';
import { normaliseEmail } from './customer.js';

export const MIN_PASSWORD_LENGTH = 10;

export const PASSWORD_RULES_MESSAGE =
  `Password must be at least ${MIN_PASSWORD_LENGTH} characters long, contain at least one letter and one digit, ` +
  'differ from your email address and not be a commonly used password';

export type PasswordRule = 'too_short' | 'needs_letter' | 'needs_digit' | 'equals_email' | 'too_common';

// Only entries that pass the other rules matter here; the rest are already refused.
const COMMON_PASSWORDS = new Set([
  'password1',
  'password12',
  'password123',
  'password1234',
  'password12345',
  'passw0rd123',
  'p4ssw0rd123',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  'qwertyuiop1',
  'qwertyuiop123',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'abc1234567',
  'abcd123456',
  'abcdef1234',
  'a123456789',
  '123456789a',
  '1234567890a',
  'admin12345',
  'admin123456',
  'administrator1',
  'letmein123',
  'welcome123',
  'welcome1234',
  'iloveyou123',
  'changeme123',
  'trustno1234',
  'football123',
  'baseball123',
  'monkey12345',
  'dragon12345',
  'sunshine123',
  'princess123',
  'shop123456',
  'secret12345',
]);

/** The rules `password` breaks (empty when it is acceptable). */
export function passwordViolations(password: string, context: { email: string }): PasswordRule[] {
  const violations: PasswordRule[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH) violations.push('too_short');
  if (!/\p{L}/u.test(password)) violations.push('needs_letter');
  if (!/\p{Nd}/u.test(password)) violations.push('needs_digit');
  if (normaliseEmail(password) === normaliseEmail(context.email)) violations.push('equals_email');
  if (COMMON_PASSWORDS.has(password.toLowerCase())) violations.push('too_common');
  return violations;
}

/** 400 `weak_password` explaining the whole rule, with the broken rules in details. */
export function assertStrongPassword(password: string, context: { email: string }): void {
  const violations = passwordViolations(password, context);
  if (violations.length > 0) {
    throw new AppError('weak_password', PASSWORD_RULES_MESSAGE, 400, { details: { violations } });
  }
}
