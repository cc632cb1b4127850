// The round token: proof that a client was sampled into a round. HMAC-SHA256 over (round, client,
// expiry) with the server secret (shared by replicas), so any replica can check it without a lookup.
// Short-lived: it expires at the round's deadline plus a grace period, or after the TTL, whichever
// comes first. Format: `v1.<roundId>.<base64url clientId>.<expiresAt unix ms>.<base64url mac>`.

import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  readonly roundId: number;
  readonly clientId: string;
  readonly expiresAt: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'malformed_token' | 'bad_signature' | 'token_expired' };

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(`token\0${body}`).digest();

export function issueToken(secret: string, claims: TokenClaims): string {
  const body = `v1.${claims.roundId}.${Buffer.from(claims.clientId).toString('base64url')}.${claims.expiresAt}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

export function verifyToken(secret: string, token: string, now: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return { ok: false, reason: 'malformed_token' };
  const [, round, client, expires, signature] = parts as [string, string, string, string, string];
  if (!/^[1-9][0-9]{0,9}$/.test(round) || !/^[0-9]{1,16}$/.test(expires) || !/^[A-Za-z0-9_-]+$/.test(client))
    return { ok: false, reason: 'malformed_token' };
  const expected = mac(secret, `v1.${round}.${client}.${expires}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  const expiresAt = Number(expires);
  if (now >= expiresAt) return { ok: false, reason: 'token_expired' };
  return {
    ok: true,
    claims: { roundId: Number(round), clientId: Buffer.from(client, 'base64url').toString(), expiresAt },
  };
}
