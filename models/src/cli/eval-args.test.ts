import { describe, expect, it } from 'vitest';
import { parseEvalArgs } from './eval-args';

describe('parseEvalArgs', () => {
  it('fills defaults: beauty, full, test, seed 42', () => {
    expect(parseEvalArgs(['--baseline', 'popularity', '--data', 'f.txt'])).toEqual({
      source: { kind: 'baseline', name: 'popularity' },
      data: 'f.txt',
      format: 'beauty',
      protocol: 'full',
      split: 'test',
      seed: 42,
      batchSize: 256,
      maxErrorRate: 0.01,
      json: false,
    });
  });

  it('reads every option', () => {
    const a = parseEvalArgs(
      '--model m --data d --format rees46 --protocol sampled100 --split valid --seed 7 --batch-size 64 --max-error-rate 0.1 --backend wasm --json'.split(
        ' ',
      ),
    );
    expect(a).toMatchObject({
      source: { kind: 'model', dir: 'm' },
      format: 'rees46',
      protocol: 'sampled100',
      split: 'valid',
      seed: 7,
      batchSize: 64,
      maxErrorRate: 0.1,
      backend: 'wasm',
      json: true,
    });
    expect(parseEvalArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], /exactly one of --model DIR or --baseline popularity/],
    [['--model', 'm', '--baseline', 'popularity', '--data', 'd'], /exactly one of/],
    [['--baseline', 'popularity'], /--data FILE is required/],
    [['--baseline', 'pop', '--data', 'd'], /--baseline must be one of popularity, got 'pop'/],
    [
      ['--model', 'm', '--data', 'd', '--format', 'csv'],
      /--format must be one of beauty, rees46, taobao, jsonl/,
    ],
    [
      ['--model', 'm', '--data', 'd', '--protocol', 'sampled50'],
      /--protocol must be one of full, sampled100/,
    ],
    [['--model', 'm', '--data', 'd', '--split', 'train'], /--split must be one of test, valid/],
    [['--model', 'm', '--data', 'd', '--batch-size', '0'], /--batch-size got '0'/],
    [['--model', 'm', '--data', 'd', '--max-error-rate', '2'], /--max-error-rate got '2'/],
    [['--model', 'm', '--data', 'd', '--bogus'], /Unknown option '--bogus'/],
    [['--model', 'm', '--data', 'd', 'extra'], /positional/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseEvalArgs(argv as string[])).toThrow(message);
  });
});
