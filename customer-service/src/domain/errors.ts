import { AppError, conflict } from '@shop/platform/runtime';

export const emailTaken = (): AppError =>
  conflict('email_taken', 'An account with this email already exists');

export const roleNotAllowed = (): AppError =>
  new AppError('role_not_allowed', "Only the 'customer' role can be chosen at registration", 403);

// One message for an unknown email and a wrong password: the response must not tell them apart.
export const invalidCredentials = (): AppError =>
  new AppError('invalid_credentials', 'Invalid email or password', 401, {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

export const invalidRefreshToken = (): AppError =>
  new AppError('invalid_refresh_token', 'Refresh token is invalid, expired or revoked', 401);

export const refreshTokenReused = (): AppError =>
  new AppError(
    'refresh_token_reused',
    'Refresh token was already used; every session of this login has been revoked, please log in again',
    401,
  );

export const lastAdmin = (): AppError =>
  conflict('last_admin', 'The last admin cannot be demoted; promote another account first');
