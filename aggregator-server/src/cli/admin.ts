// `npm run admin -- <command>`: the aggregator's operator console, over its HTTP admin API.
// Server: --server URL or HEARTH_SERVER_URL (default http://127.0.0.1:8787); token: HEARTH_ADMIN_TOKEN.
// Prints JSON (or a table for `privacy report`); bad arguments exit 2, server errors exit 1.

import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MANIFEST_FILE, WEIGHTS_FILE } from '@hearth/models';
import type { LedgerResponse } from '../http/routes-ops';
import { AdminError, adminClient } from './admin-client';

export const USAGE = `Usage: npm run admin -- <command> [options]

  rounds open [--duration S] [--q Q] [--population N] [--z Z] [--clip C] [--min-clients N]
  rounds close ID | rounds abandon ID --reason TEXT | rounds status [ID] | rounds list
  models list | models rollback VERSION --reason TEXT | models register DIR [--note TEXT]
  privacy report
  pretrain --out DIR [pretrain options...]   run the model core's pretraining, register the result

  --server URL   the aggregator (default $HEARTH_SERVER_URL or http://127.0.0.1:8787)
  HEARTH_ADMIN_TOKEN must hold the server's admin token.`;

class UsageError extends Error {}

const num = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new UsageError(`--${name}: expected a number, got "${text}"`);
  return v;
};
const id = (what: string, text: string | undefined): number => {
  if (!text || !/^[1-9][0-9]*$/.test(text))
    throw new UsageError(`${what}: expected a positive integer, got "${text ?? ''}"`);
  return Number(text);
};

export async function run(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void): Promise<number> {
  if (argv[0] === 'pretrain') return pretrain(argv.slice(1), env, out);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      reason: { type: 'string' },
      note: { type: 'string' },
      duration: { type: 'string' },
      q: { type: 'string' },
      population: { type: 'string' },
      z: { type: 'string' },
      clip: { type: 'string' },
      'min-clients': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const server = values.server ?? env.HEARTH_SERVER_URL ?? 'http://127.0.0.1:8787';
  const client = adminClient(server, env.HEARTH_ADMIN_TOKEN);
  const print = (v: unknown) => out(JSON.stringify(v, null, 2));
  const [group, command, arg] = positionals;
  const reason = () => {
    if (!values.reason) throw new UsageError(`${group} ${command}: --reason is required`);
    return values.reason;
  };
  switch (`${group} ${command}`) {
    case 'rounds open': {
      const body = Object.fromEntries(
        Object.entries({
          durationSec: num('duration', values.duration),
          q: num('q', values.q),
          population: num('population', values.population),
          z: num('z', values.z),
          clipBound: num('clip', values.clip),
          minClients: num('min-clients', values['min-clients']),
        }).filter(([, v]) => v !== undefined),
      );
      print(await client.call('POST', '/v1/admin/rounds', body));
      return 0;
    }
    case 'rounds close':
      print(await client.call('POST', `/v1/admin/rounds/${id('round id', arg)}/close`));
      return 0;
    case 'rounds abandon':
      print(
        await client.call('POST', `/v1/admin/rounds/${id('round id', arg)}/abandon`, { reason: reason() }),
      );
      return 0;
    case 'rounds status':
      print(await client.call('GET', arg ? `/v1/rounds/${id('round id', arg)}` : '/v1/admin/status'));
      return 0;
    case 'rounds list':
      print(await client.call('GET', '/v1/admin/rounds'));
      return 0;
    case 'models list':
      print(await client.call('GET', '/v1/models', undefined, false));
      return 0;
    case 'models rollback':
      print(
        await client.call('POST', '/v1/admin/models/rollback', {
          version: id('version', arg),
          reason: reason(),
        }),
      );
      return 0;
    case 'models register':
      if (!arg) throw new UsageError('models register: the artifact directory is required');
      print(await register(client, arg, values.note ?? `registered from ${arg}`));
      return 0;
    case 'privacy report': {
      const ledger = (await client.call('GET', '/v1/privacy/ledger', undefined, false)) as LedgerResponse;
      out(
        `privacy: ε = ${ledger.epsilonSpent.toFixed(4)} of ${ledger.epsilonBudget} at δ = ${ledger.delta}${ledger.budgetExhausted ? ' (budget exhausted: no more rounds)' : ''}`,
      );
      out('round  version  q         z       received/expected  cumulative ε');
      for (const r of ledger.rounds)
        out(
          `${String(r.roundId).padEnd(7)}${String(r.modelVersion).padEnd(9)}${String(r.q).padEnd(10)}${String(r.z).padEnd(8)}${`${r.received}/${r.expectedClients}`.padEnd(19)}${r.epsilon.toFixed(4)}`,
        );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
}

async function register(client: ReturnType<typeof adminClient>, dir: string, note: string): Promise<unknown> {
  let manifest: unknown;
  let weights: Buffer;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    weights = await readFile(join(dir, WEIGHTS_FILE));
  } catch (e) {
    throw new UsageError(`${dir}: not a model artifact directory (${(e as Error).message})`);
  }
  return client.call('POST', '/v1/admin/models', {
    manifest,
    weightsBase64: weights.toString('base64'),
    note,
  });
}

/** Runs the model core's pretrain CLI (GPU where there is one) and registers its artifact. */
async function pretrain(args: string[], env: NodeJS.ProcessEnv, out: (s: string) => void): Promise<number> {
  const at = args.indexOf('--out');
  const dir = at >= 0 ? args[at + 1] : undefined;
  if (!dir) throw new UsageError('pretrain: --out DIR is required (the artifact is registered from there)');
  const serverAt = args.indexOf('--server');
  const server = serverAt >= 0 ? args[serverAt + 1] : (env.HEARTH_SERVER_URL ?? 'http://127.0.0.1:8787');
  const passOn = serverAt >= 0 ? [...args.slice(0, serverAt), ...args.slice(serverAt + 2)] : args;
  const root = join(import.meta.dirname, '..', '..', '..');
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'models', 'src', 'cli', 'pretrain.ts'), ...passOn],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (child.status !== 0) {
    process.stderr.write(`admin pretrain: pretraining failed (exit ${child.status ?? child.signal})\n`);
    return child.status === 2 ? 2 : 1;
  }
  out(
    JSON.stringify(
      await register(adminClient(server!, env.HEARTH_ADMIN_TOKEN), dir, `pretrained: ${passOn.join(' ')}`),
      null,
      2,
    ),
  );
  return 0;
}

/** Runs one command and maps failures to exit codes: usage 2, server or network 1. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    return await run(argv, env, out);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`admin: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof AdminError) {
      err(`admin: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!))
  process.exitCode = await main(
    process.argv.slice(2),
    process.env,
    (s) => process.stdout.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  );
