import { describe, expect, it } from 'vitest';
import { parseSimulateArgs, UsageError } from './args';

const required = [
  '--data',
  'd.txt',
  '--clients-per-round',
  '100',
  '--rounds',
  '5',
  '--epsilon',
  '8',
  '--delta',
  '1e-6',
];

describe('simulate arguments', () => {
  it('reads the issue-9 command with defaults for the rest', () => {
    const a = parseSimulateArgs([
      ...required,
      '--public-fraction',
      '0.3',
      '--json',
      '--users',
      '500',
      '--eval-every',
      '2',
    ]);
    if (a === 'help') throw new Error('unexpected help');
    expect(a.n).toMatchObject({
      'public-fraction': 0.3,
      users: 500,
      'eval-every': 2,
      rounds: 5,
      epsilon: 8,
      delta: 1e-6,
    });
    expect(a).toMatchObject({
      json: true,
      format: 'beauty',
      loss: 'full',
      checkIns: 'all',
      targets: 'known',
      layout: 'encoder',
      serverOpt: 'none',
    });
  });

  it('accepts every documented choice flag', () => {
    const a = parseSimulateArgs([
      ...required,
      '--check-in',
      'sampled',
      '--targets',
      'all',
      '--loss',
      'sampled',
      '--public-model',
      'p',
      '--central-model',
      'c',
      '--save-models',
      's',
      '--skip-central',
      '--layout',
      'full',
      '--server-opt',
      'adam',
      '--server-opt-lr',
      '0.003',
    ]);
    if (a === 'help') throw new Error('unexpected help');
    expect(a).toMatchObject({
      checkIns: 'sampled',
      targets: 'all',
      loss: 'sampled',
      publicModel: 'p',
      centralModel: 'c',
      saveModels: 's',
      skipCentral: true,
      layout: 'full',
      serverOpt: 'adam',
    });
    expect(a.n['server-opt-lr']).toBe(0.003);
  });

  it('names the missing or bad flag', () => {
    expect(() => parseSimulateArgs(required.slice(2))).toThrow(/--data is required/);
    expect(() => parseSimulateArgs(required.slice(0, 8))).toThrow(/--delta is required/);
    expect(() => parseSimulateArgs([...required, '--rounds', '2.5'])).toThrow(/--rounds got '2.5'/);
    expect(() => parseSimulateArgs([...required, '--public-fraction', '1'])).toThrow(/--public-fraction/);
    expect(() => parseSimulateArgs([...required, '--targets', 'some'])).toThrow(/--targets must be/);
    expect(() => parseSimulateArgs([...required, '--layout', 'items'])).toThrow(/--layout must be/);
    expect(() => parseSimulateArgs([...required, '--server-opt', 'lamb'])).toThrow(/--server-opt must be/);
    expect(() => parseSimulateArgs([...required, '--server-beta2', '1'])).toThrow(/--server-beta2/);
    expect(() => parseSimulateArgs([...required, '--bogus', '1'])).toThrow(UsageError);
    expect(parseSimulateArgs(['--help'])).toBe('help');
  });
});
