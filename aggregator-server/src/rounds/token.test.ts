import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from './token';

const claims = { roundId: 12, clientId: 'client-7.é', expiresAt: 10_000 };

describe('round tokens', () => {
  it('verifies its own tokens and returns the bound (client, round)', () => {
    const t = issueToken('secret', claims);
    expect(verifyToken('secret', t, 9_999)).toEqual({ ok: true, claims });
  });

  it('refuses expired, forged, altered and malformed tokens', () => {
    const t = issueToken('secret', claims);
    expect(verifyToken('secret', t, 10_000)).toEqual({ ok: false, reason: 'token_expired' });
    expect(verifyToken('other', t, 0)).toEqual({ ok: false, reason: 'bad_signature' });
    const other = issueToken('secret', { ...claims, roundId: 13 });
    // the round of one token with the signature of another
    const spliced = [...t.split('.').slice(0, 4), other.split('.')[4]].join('.');
    expect(verifyToken('secret', spliced, 0)).toEqual({ ok: false, reason: 'bad_signature' });
    const longer = t.replace('.10000.', '.99999.');
    expect(verifyToken('secret', longer, 0)).toEqual({ ok: false, reason: 'bad_signature' });
    for (const bad of ['', 'v1', 'v2.1.a.1.x', 'v1.0.a.1.x', 'v1.1.a b.1.x', t.slice(0, -1) + '!'])
      expect(verifyToken('secret', bad, 0)).toMatchObject({ ok: false });
  });
});
