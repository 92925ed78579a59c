import { z } from 'zod';

/*
 * What a client may record with POST /api/analytics/events: notification-service's analytics routes parse with
 * analyticsEventBody, and the OpenAPI document is built from it, so both hold one set of rules.
 */

/** What clients may record. Anything else is 400: the allowlist keeps the store free of surprises. */
export const ANALYTICS_CLIENT_EVENT_TYPES = [
  'page_viewed',
  'product_viewed',
  'product_list_viewed',
  'search',
  'cart_updated',
  'checkout_started',
  'signup_started',
] as const;

const MAX_PROPERTIES = 10;
const MAX_KEY_LENGTH = 32;
const MAX_STRING_LENGTH = 64;

// Personal data and secrets have no place in analytics: values that look like them are refused.
const EMAIL_LIKE = /[^\s@]+@[^\s@]+/;
const JWT_LIKE = /eyJ[\w-]{5,}\.[\w-]{5,}/;
const BEARER_LIKE = /\bbearer\s+\S/i;
const OPAQUE_TOKEN = /[A-Za-z0-9_\-+/=]{32,}/;
// A run of digits and the separators numbers are written with: a card, phone or account number when it holds
// 10 digits or more (415-555-0100, (415) 555-0100, 07911 123456, 4111 1111 1111 1111); a date has 8.
const NUMBER_RUN = /\d[\d\s().\/-]*\d/g;
const MIN_PERSONAL_DIGITS = 10;

/**
 * The forms a client may write one value in: as sent, with compatibility characters folded (a full-width
 * `＠` or digits are the ASCII ones), and with percent-escapes and HTML character references decoded (a page
 * path `/reset?email=ann%40example.com`). Each form is checked, so an encoding does not slip personal data past.
 */
function readings(value: string): string[] {
  const folded = value.normalize('NFKC');
  const decoded = folded
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/&#x([0-9a-f]{1,6});?/gi, (_, hex: string) => codePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d{1,7});?/g, (_, digits: string) => codePoint(Number(digits)))
    .replace(/&commat;?/gi, '@')
    .normalize('NFKC');
  return [value, folded, decoded];
}

function codePoint(code: number): string {
  return code <= 0x10ffff ? String.fromCodePoint(code) : '';
}

function holdsLongNumber(value: string): boolean {
  for (const run of value.match(NUMBER_RUN) ?? []) {
    if (run.replace(/\D/g, '').length >= MIN_PERSONAL_DIGITS) return true;
  }
  return false;
}

/** Why a string value is refused, or undefined when it may be stored. */
function personalDataIn(value: string): string | undefined {
  for (const reading of readings(value)) {
    if (EMAIL_LIKE.test(reading)) return 'looks like an e-mail address';
    if (JWT_LIKE.test(reading) || BEARER_LIKE.test(reading)) return 'looks like a token';
    if (OPAQUE_TOKEN.test(reading)) return 'looks like a token or secret (32+ opaque characters)';
    if (holdsLongNumber(reading)) return 'looks like a card, phone or account number';
  }
  return undefined;
}

const propertyValue = z.union([
  z
    .string()
    .max(MAX_STRING_LENGTH, `strings are at most ${MAX_STRING_LENGTH} characters`)
    .refine((value) => personalDataIn(value) === undefined, {
      error: (issue) => `${personalDataIn(String(issue.input)) ?? 'refused'}: no personal data in analytics`,
    }),
  z.number().finite(),
  z.boolean(),
  z.null(),
]);

// Keys that name personal data or a secret: whatever the value looks like, it is not analytics. Matched
// on the key's `_`-separated words, so `product_name` or `card_brand` stay allowed.
const PERSONAL_KEY_WORDS = new Set([
  'email',
  'mail',
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'phone',
  'mobile',
  'address',
  'street',
  'postcode',
  'zip',
  'ssn',
  'iban',
  'cvv',
  'cvc',
  'dob',
  'birth',
  'birthday',
  'birthdate',
  'ip',
  'cookie',
  'credential',
  'credentials',
  'surname',
  'firstname',
  'lastname',
  'fullname',
  'username',
]);
const PERSONAL_KEY_PHRASES =
  /(^|_)(first|last|full|user|customer|real)_name$|^name$|(^|_)(api|access|private|secret)_key($|_)/;
// Run together with other words (emailaddress, useremail, apikey, authtoken): refused wherever they appear.
const PERSONAL_KEY_STEMS = /email|passw|secret|token|apikey|credential/;

/** Why a property key is refused as naming personal data, or undefined when it may be stored. */
function personalKey(key: string): string | undefined {
  if (
    PERSONAL_KEY_PHRASES.test(key) ||
    PERSONAL_KEY_STEMS.test(key) ||
    key.split('_').some((word) => PERSONAL_KEY_WORDS.has(word))
  ) {
    return 'names personal data or a secret';
  }
  return undefined;
}

const propertyKey = z
  .string()
  .regex(
    new RegExp(`^[a-z][a-z0-9_]{0,${MAX_KEY_LENGTH - 1}}$`),
    `keys are 1-${MAX_KEY_LENGTH} lower-case letters, digits or underscores, starting with a letter`,
  )
  .refine((key) => personalKey(key) === undefined, {
    error: (issue) =>
      `key ${String(issue.input)} ${personalKey(String(issue.input)) ?? 'refused'}: no personal data in analytics`,
  });

/** POST /api/analytics/events: a client event of an allowed type, with bounded properties and no personal data. */
export const analyticsEventBody = z.strictObject({
  type: z.enum(ANALYTICS_CLIENT_EVENT_TYPES),
  properties: z
    .record(propertyKey, propertyValue)
    .refine((properties) => Object.keys(properties).length <= MAX_PROPERTIES, {
      message: `at most ${MAX_PROPERTIES} properties`,
    })
    .optional(),
});
export type AnalyticsClientEvent = z.infer<typeof analyticsEventBody>;
