import { describe, expect, it } from 'vitest';
import { parsePretrainArgs, UsageError } from './pretrain-args';

const base = ['--data', 'Beauty.txt', '--format', 'beauty', '--out', 'out'];

describe('parsePretrainArgs', () => {
  it('fills the Beauty recipe (tuned for 45 minutes on wasm) as defaults', () => {
    const args = parsePretrainArgs(base);
    expect(args).toMatchObject({
      data: 'Beauty.txt',
      format: 'beauty',
      out: 'out',
      dim: 64,
      blocks: 2,
      maxLen: 50,
      dropout: 0.3,
      loss: 'sampled',
      lr: 0.003,
      tableDtype: 'float16',
      json: false,
    });
    expect(args).not.toHaveProperty('backend');
  });

  it('reads every option', () => {
    const args = parsePretrainArgs([
      ...base,
      '--epochs',
      '3',
      '--backend',
      'webgpu',
      '--loss',
      'full',
      '--negatives',
      '512',
      '--json',
      '--fresh',
    ]);
    expect(args).toMatchObject({
      epochs: 3,
      backend: 'webgpu',
      loss: 'full',
      negatives: 512,
      json: true,
      fresh: true,
    });
  });

  it('answers --help', () => {
    expect(parsePretrainArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--format', 'beauty', '--out', 'o'], /--data is required/],
    [[...base, '--format', 'csv'], /--format must be one of/],
    [[...base, '--backend', 'tpu'], /--backend must be one of webgpu, wasm, cpu, got 'tpu'/],
    [[...base, '--epochs', '0'], /--epochs got '0'/],
    [[...base, '--dropout', '1.5'], /--dropout got '1.5'/],
    [[...base, '--bogus'], /bogus/],
  ])('rejects bad input %#, naming the flag', (argv, message) => {
    expect(() => parsePretrainArgs(argv as string[])).toThrow(UsageError);
    expect(() => parsePretrainArgs(argv as string[])).toThrow(message);
  });
});
