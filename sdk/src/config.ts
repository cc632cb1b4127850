// Validates init(config) by hand: zod would cost more than the whole main-thread bundle may weigh.
// The first bad field wins and is named in one message; init() then stays inert instead of throwing.
import type { Backend } from './types';

export interface ResolvedConfig {
  siteKey: string;
  modelUrl?: string;
  assetsUrl?: string;
  workerUrl?: string;
  requireConsent: boolean;
  debug: boolean;
  autoCapture: boolean;
  impressionThreshold: number;
  backends: Backend[];
  rankTimeoutMs: number;
  maxEvents: number;
  maxEventAgeDays: number;
  shopWeight: number;
  serverUrl?: string;
  checkInDelaySec: number;
  updateCheckSec: number;
}

export type ConfigResult = { ok: true; config: ResolvedConfig } | { ok: false; error: string };

const BACKENDS: readonly Backend[] = ['webgpu', 'wasm', 'cpu'];
const KNOWN = new Set([
  'siteKey',
  'modelUrl',
  'assetsUrl',
  'workerUrl',
  'requireConsent',
  'debug',
  'autoCapture',
  'impressionThreshold',
  'backends',
  'rankTimeoutMs',
  'maxEvents',
  'maxEventAgeDays',
  'shopWeight',
  'serverUrl',
  'checkInDelaySec',
  'updateCheckSec',
]);

class Bad extends Error {}

function num(v: unknown, field: string, min: number, max: number, fallback: number, int = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v)))
    throw new Bad(`config.${field} must be ${int ? 'an integer' : 'a number'} in [${min}, ${max}]`);
  return v;
}

function bool(v: unknown, field: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new Bad(`config.${field} must be true or false`);
  return v;
}

function url(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 2048)
    throw new Bad(`config.${field} must be a URL string`);
  try {
    // Relative URLs are fine in a page; resolve against a dummy base just to check the syntax.
    new URL(v, 'https://base.invalid/');
  } catch {
    throw new Bad(`config.${field} is not a valid URL`);
  }
  return v;
}

export function validateConfig(input: unknown): ConfigResult {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new Bad('config must be an object like { siteKey: "..." }');
    const c = input as Record<string, unknown>;
    for (const key of Object.keys(c))
      if (!KNOWN.has(key)) throw new Bad(`config.${key} is not a known option`);
    if (typeof c.siteKey !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(c.siteKey))
      throw new Bad('config.siteKey must be 1-64 letters, digits, "-" or "_"');
    let backends: Backend[] = [...BACKENDS];
    if (c.backends !== undefined) {
      if (
        !Array.isArray(c.backends) ||
        c.backends.some((b) => !BACKENDS.includes(b as Backend)) ||
        new Set(c.backends).size !== c.backends.length
      )
        throw new Bad(`config.backends must be distinct values of ${BACKENDS.join(', ')}`);
      backends = c.backends as Backend[];
    }
    const config: ResolvedConfig = {
      siteKey: c.siteKey,
      requireConsent: bool(c.requireConsent, 'requireConsent', false),
      debug: bool(c.debug, 'debug', false),
      autoCapture: bool(c.autoCapture, 'autoCapture', true),
      impressionThreshold: num(c.impressionThreshold, 'impressionThreshold', 0, 1, 0.5),
      backends,
      rankTimeoutMs: num(c.rankTimeoutMs, 'rankTimeoutMs', 1, 60_000, 300),
      maxEvents: num(c.maxEvents, 'maxEvents', 1, 10_000, 500, true),
      maxEventAgeDays: num(c.maxEventAgeDays, 'maxEventAgeDays', 0.001, 3650, 30),
      shopWeight: num(c.shopWeight, 'shopWeight', 0, 1, 0.2),
      checkInDelaySec: num(c.checkInDelaySec, 'checkInDelaySec', 0, 86_400, 20),
      updateCheckSec: num(c.updateCheckSec, 'updateCheckSec', 1, 86_400, 600),
    };
    const modelUrl = url(c.modelUrl, 'modelUrl');
    const assetsUrl = url(c.assetsUrl, 'assetsUrl');
    const workerUrl = url(c.workerUrl, 'workerUrl');
    const serverUrl = url(c.serverUrl, 'serverUrl');
    if (serverUrl !== undefined) config.serverUrl = serverUrl;
    if (modelUrl !== undefined) config.modelUrl = modelUrl;
    if (assetsUrl !== undefined) config.assetsUrl = assetsUrl;
    if (workerUrl !== undefined) config.workerUrl = workerUrl;
    return { ok: true, config };
  } catch (e) {
    return { ok: false, error: e instanceof Bad ? e.message : `config could not be read (${String(e)})` };
  }
}
