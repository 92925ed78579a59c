import { describe, expect, test } from 'vitest';
import { decideCharge, isCardToken } from '../src/domain/card-processor.js';

describe('Simulated card processor', () => {
  test('When the token is tok_chargeDeclined, then declined with the reason; other test tokens approve', () => {
    expect(decideCharge('tok_chargeDeclined')).toEqual({ approved: false, reason: 'Your card was declined' });
    expect(decideCharge('tok_visa')).toEqual({ approved: true });
    expect(decideCharge('tok_amex')).toEqual({ approved: true });
  });

  test.each([
    ['tok_visa', true],
    ['tok_chargeDeclined', true],
    ['tok_4242-x', true],
    ['tok_', false],
    ['visa', false],
    ['TOK_visa', false],
    ['tok_with space', false],
    [`tok_${'x'.repeat(97)}`, false],
  ])('When the token is %s, then isCardToken is %s', (token, expected) => {
    expect(isCardToken(token)).toBe(expected);
  });
});
