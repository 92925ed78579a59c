const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|card|cvc|cvv|(^|[_.-])pan$/i;
/** A card number (PAN) as the last word of a camelCase key (`accountPan`); `span`, `lifespan` are not. */
const CAMEL_CASE_PAN = /[a-z0-9]Pan$/;
const BEARER = /Bearer\s+[A-Za-z0-9._~+/=-]+/g;
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** Replaces secrets by "[REDACTED]": keys that look secret, bearer tokens and JWTs inside strings. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretKey(key) ? '[REDACTED]' : redact(inner, depth + 1);
  }
  return out;
}

export function redactString(text: string): string {
  if (!text.includes('Bearer') && !text.includes('eyJ')) return text;
  return text.replace(BEARER, 'Bearer [REDACTED]').replace(JWT_LIKE, '[REDACTED]');
}

export function isSecretKey(key: string): boolean {
  return (SECRET_KEY.test(key) || CAMEL_CASE_PAN.test(key)) && !isHarmlessKey(key);
}

// Counters and flags about tokens are not secrets.
function isHarmlessKey(key: string): boolean {
  return /^(token_?type|tokenType|expiresIn|payment_?token_?kind)$/i.test(key);
}
