import { z } from '@shop/platform';
import { CUSTOMER_ROLES } from '../domain/customer.js';

const name = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100)
  .refine((value) => !/\p{Cc}/u.test(value), 'name must not contain control characters');
const email = z.string().trim().max(254).pipe(z.email('email must be a valid email address'));
// Length limits only: the strength rules are the password policy's (400 weak_password).
const password = z.string().min(1).max(1024);
const refreshToken = z.string().min(1).max(256);

export const registerBody = z.strictObject({
  name,
  email,
  password,
  role: z.literal('customer').optional(),
});

export const loginBody = z.strictObject({ email: z.string().min(1).max(320), password });

export const refreshTokenBody = z.strictObject({ refreshToken });

export const profileChangesBody = z
  .strictObject({ name: name.optional(), email: email.optional() })
  .refine((body) => body.name !== undefined || body.email !== undefined, 'Send name and/or email to change');

export const roleChangeBody = z.strictObject({ role: z.enum(CUSTOMER_ROLES as ['customer', 'admin']) });

export const customerIdParam = z.uuid('id must be a UUID');

export const listQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  q: z.string().trim().max(100).optional(),
});
