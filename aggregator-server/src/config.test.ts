import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const secrets = { HEARTH_SECRET: 's'.repeat(16), HEARTH_ADMIN_TOKEN: 'a'.repeat(16) };

describe('configuration', () => {
  it('has working defaults once the secrets are given', () => {
    const c = loadConfig(secrets);
    expect(c.port).toBe(8787);
    expect(c.store).toEqual({ kind: 'embedded', dir: '.data/aggregator' });
    expect(c.rounds.defaults.q).toBe(0.01);
    // the round publishes the noisy average itself, the item tables at the same rate
    expect([c.rounds.defaults.serverLr, c.rounds.defaults.serverItemTablesLr]).toEqual([1, null]);
    expect(c.privacy.delta).toBe(1e-5);
  });

  it('merges a file and the environment, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
    dirs.push(dir);
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({ port: 9000, privacy: { epsilonBudget: 3 }, rounds: { defaults: { q: 0.5 } } }),
    );
    const c = loadConfig({
      ...secrets,
      HEARTH_CONFIG: file,
      HEARTH_PORT: '9100',
      HEARTH_STORE_URL: 'postgres://x/y',
    });
    expect(c.port).toBe(9100);
    expect(c.privacy.epsilonBudget).toBe(3);
    expect(c.rounds.defaults.q).toBe(0.5);
    expect(c.rounds.defaults.minClients).toBe(100);
    expect(c.store).toEqual({ kind: 'postgres', url: 'postgres://x/y' });
  });

  it('names the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
    dirs.push(dir);
    const file = join(dir, 'c.json');
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message({})).toMatch(/^config: secret: /);
    expect(message({ ...secrets, HEARTH_PORT: 'eighty' })).toMatch(/HEARTH_PORT: expected a number/);
    writeFileSync(file, JSON.stringify({ privacy: { delta: 2 } }));
    expect(message({ ...secrets, HEARTH_CONFIG: file })).toMatch(/^config: privacy\.delta: .*HEARTH_CONFIG=/);
    writeFileSync(file, JSON.stringify({ rounds: { defaults: { qq: 1 } } }));
    expect(message({ ...secrets, HEARTH_CONFIG: file })).toMatch(/^config: rounds\.defaults: .*qq/);
    writeFileSync(file, JSON.stringify({ rounds: { defaults: { serverItemTablesLr: 0 } } }));
    expect(message({ ...secrets, HEARTH_CONFIG: file })).toMatch(
      /^config: rounds\.defaults\.serverItemTablesLr: /,
    );
    writeFileSync(file, '{ not json');
    expect(message({ ...secrets, HEARTH_CONFIG: file })).toMatch(/cannot read HEARTH_CONFIG/);
  });

  it('the server process stops at start with exit code 2 and the field named', () => {
    const root = join(import.meta.dirname, '..', '..');
    const env = {
      ...process.env,
      HEARTH_SECRET: 's'.repeat(16),
      HEARTH_ADMIN_TOKEN: 'short',
      HEARTH_CONFIG: '',
    };
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'aggregator-server/src/main.ts')], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^config: adminToken: .*16 characters/m);
  });
});
