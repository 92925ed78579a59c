import { describe, expect, test } from 'vitest';
import { isAppError } from '@shop/platform/runtime';
import { assertStrongPassword, passwordViolations } from '../src/domain/password-policy.js';

const email = 'ann@example.com';

describe('passwordViolations', () => {
  test.each([
    ['correct-horse-42'],
    ['abcdefghi1'],
    ['ÄÖÜäöüßéèê7'],
    ['a very long passphrase with 1 digit in it'],
  ])('When the password is %j, then it is accepted', (password) => {
    expect(passwordViolations(password, { email })).toEqual([]);
  });

  test.each([
    ['', ['too_short', 'needs_letter', 'needs_digit']],
    ['abcdefgh1', ['too_short']],
    ['abcdefghij', ['needs_digit']],
    ['1234567890', ['needs_letter']],
    ['!!!!!!!!!!!!', ['needs_letter', 'needs_digit']],
    ['Password123', ['too_common']],
    ['QWERTY12345', ['too_common']],
  ])('When the password is %j, then it breaks %j', (password, rules) => {
    expect(passwordViolations(password, { email })).toEqual(rules);
  });

  test('When the password is the email in another case or with spaces, then equals_email', () => {
    const withDigit = 'ann1234@example.com';
    expect(passwordViolations(` ${withDigit.toUpperCase()} `, { email: withDigit })).toEqual([
      'equals_email',
    ]);
  });

  test('When characters are astral (emoji), then length counts characters, not UTF-16 units', () => {
    expect(passwordViolations('a1😀😀😀😀😀😀😀', { email })).toEqual(['too_short']);
    expect(passwordViolations('a1😀😀😀😀😀😀😀😀', { email })).toEqual([]);
  });
});

describe('assertStrongPassword', () => {
  test('When the password is weak, then a 400 weak_password error explains the rule and lists the violations', () => {
    let caught: unknown;
    try {
      assertStrongPassword('short1', { email });
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught)).toBe(true);
    if (!isAppError(caught)) return;
    expect(caught.status).toBe(400);
    expect(caught.code).toBe('weak_password');
    expect(caught.message).toMatch(/at least 10 characters.*letter and one digit.*email.*commonly used/);
    expect(caught.details).toEqual({ violations: ['too_short'] });
  });

  test('When the password is strong, then nothing is thrown', () => {
    expect(() => assertStrongPassword('correct-horse-42', { email })).not.toThrow();
  });
});
