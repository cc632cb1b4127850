// `npm run -s privacy -- epsilon --q Q --z Z --rounds T --delta D`  → {"epsilon":…,"order":…}
// `npm run -s privacy -- noise --q Q --rounds T --delta D --epsilon E` → {"z":…}
// One JSON line on stdout; bad or missing arguments print a message naming the flag on stderr and exit 2.

import { parseArgs } from 'node:util';
import { computeEpsilon, noiseMultiplierFor } from '../privacy';

const HELP = `Usage:
  privacy epsilon --q Q --z Z --rounds T --delta D [--orders A,B,...]
      ε spent by T rounds of DP-FedAvg at client sampling rate Q and noise multiplier Z, at δ = D.
      Prints {"epsilon":…,"order":…} (order: the Rényi order that gave the bound).
  privacy noise --q Q --rounds T --delta D --epsilon E [--tolerance R] [--orders A,B,...]
      The smallest noise multiplier z whose ε after T rounds is at most E. Prints {"z":…}.

  --q          client sampling rate per round, 0 < Q <= 1
  --z          noise multiplier (noise stddev / clip bound), Z > 0
  --rounds     number of rounds, an integer >= 1
  --delta      0 < D < 1, usually below 1 / population
  --epsilon    target ε > 0
  --tolerance  relative tolerance of the bisection on z (default 1e-9)
  --orders     Rényi orders, comma-separated (default 1.1..10.9, 12..63, 128, 256, 512)

Exit codes: 0 success, 2 bad or missing arguments, 1 anything else.`;

class UsageError extends Error {}

function number(
  values: Record<string, unknown>,
  flag: string,
  check: (v: number) => boolean,
  rule: string,
): number {
  const raw = values[flag];
  if (raw === undefined) throw new UsageError(`missing --${flag} (${rule})`);
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || !check(value))
    throw new UsageError(`--${flag}: expected ${rule}, got '${raw}'`);
  return value;
}

function orders(values: Record<string, unknown>): { orders?: number[] } {
  const raw = values['orders'];
  if (raw === undefined) return {};
  const list = String(raw)
    .split(',')
    .map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  if (list.some((a) => !Number.isFinite(a) || a <= 1))
    throw new UsageError(`--orders: expected comma-separated numbers > 1, got '${raw}'`);
  return { orders: list };
}

const positive = (v: number) => v > 0;
const rate = (v: number) => v > 0 && v <= 1;
const unitOpen = (v: number) => v > 0 && v < 1;
const count = (v: number) => Number.isInteger(v) && v >= 1;

function run(argv: string[]): string {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      q: { type: 'string' },
      z: { type: 'string' },
      rounds: { type: 'string' },
      delta: { type: 'string' },
      epsilon: { type: 'string' },
      tolerance: { type: 'string' },
      orders: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return HELP;
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const allowed = command === 'epsilon' ? ['z'] : ['epsilon', 'tolerance'];
  for (const flag of ['z', 'epsilon', 'tolerance'])
    if (values[flag as keyof typeof values] !== undefined && !allowed.includes(flag))
      throw new UsageError(`--${flag} does not apply to '${command}'`);
  if (command === 'epsilon') {
    const result = computeEpsilon({
      samplingRate: number(values, 'q', rate, 'a number in (0, 1]'),
      noiseMultiplier: number(values, 'z', positive, 'a number > 0'),
      rounds: number(values, 'rounds', count, 'an integer >= 1'),
      delta: number(values, 'delta', unitOpen, 'a number in (0, 1)'),
      ...orders(values),
    });
    return JSON.stringify({ epsilon: result.epsilon, order: result.order });
  }
  if (command === 'noise') {
    const result = noiseMultiplierFor({
      samplingRate: number(values, 'q', rate, 'a number in (0, 1]'),
      rounds: number(values, 'rounds', count, 'an integer >= 1'),
      delta: number(values, 'delta', unitOpen, 'a number in (0, 1)'),
      epsilon: number(values, 'epsilon', positive, 'a number > 0'),
      ...(values.tolerance === undefined
        ? {}
        : { tolerance: number(values, 'tolerance', unitOpen, 'a number in (0, 1)') }),
      ...orders(values),
    });
    return JSON.stringify({ z: result.noiseMultiplier });
  }
  throw new UsageError(command ? `unknown command '${command}'` : "missing command: 'epsilon' or 'noise'");
}

try {
  process.stdout.write(`${run(process.argv.slice(2))}\n`);
} catch (error) {
  // parseArgs reports unknown or malformed flags with codes starting ERR_PARSE_ARGS; the privacy core
  // throws RangeError (PrivacyArgumentError among them) for arguments it cannot serve, such as a target
  // ε that no noise multiplier reaches.
  const usage =
    error instanceof UsageError ||
    error instanceof RangeError ||
    String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
  process.stderr.write(
    `privacy: ${(error as Error).message}\n${usage ? 'Run with --help for usage.\n' : ''}`,
  );
  process.exitCode = usage ? 2 : 1;
}
