import { describe, expect, it } from 'vitest';
import { validateConfig } from './config';

describe('validateConfig', () => {
  it('fills defaults for a minimal config', () => {
    const r = validateConfig({ siteKey: 'shop-1' });
    expect(r).toEqual({
      ok: true,
      config: expect.objectContaining({
        siteKey: 'shop-1',
        requireConsent: false,
        autoCapture: true,
        backends: ['webgpu', 'wasm', 'cpu'],
        rankTimeoutMs: 300,
        maxEvents: 500,
      }),
    });
  });

  it('keeps the options given', () => {
    const r = validateConfig({
      siteKey: 'a',
      modelUrl: '/models/latest.json',
      backends: ['cpu'],
      requireConsent: true,
      shopWeight: 0,
    });
    expect(r.ok && r.config).toMatchObject({
      modelUrl: '/models/latest.json',
      backends: ['cpu'],
      shopWeight: 0,
    });
  });

  it.each([
    [null, 'config must be an object'],
    [{}, 'config.siteKey'],
    [{ siteKey: 'has space' }, 'config.siteKey'],
    [{ siteKey: 'a', sitekey: 'b' }, 'config.sitekey is not a known option'],
    [{ siteKey: 'a', backends: ['webgl'] }, 'config.backends'],
    [{ siteKey: 'a', backends: ['cpu', 'cpu'] }, 'config.backends'],
    [{ siteKey: 'a', rankTimeoutMs: -1 }, 'config.rankTimeoutMs'],
    [{ siteKey: 'a', maxEvents: 1.5 }, 'config.maxEvents must be an integer'],
    [{ siteKey: 'a', impressionThreshold: Number.NaN }, 'config.impressionThreshold'],
    [{ siteKey: 'a', requireConsent: 'yes' }, 'config.requireConsent must be true or false'],
    [{ siteKey: 'a', modelUrl: 42 }, 'config.modelUrl must be a URL string'],
    [{ siteKey: 'a', workerUrl: 'http://[::1' }, 'config.workerUrl is not a valid URL'],
  ])('rejects %j naming the field', (input, message) => {
    const r = validateConfig(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
