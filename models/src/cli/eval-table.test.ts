import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../eval/evaluate';
import { evalJson, evalTable } from './eval-table';

const report: EvalReport = {
  protocol: 'sampled100',
  split: 'valid',
  users: 3,
  'HR@5': 0.5,
  'NDCG@5': 0.25,
  'HR@10': 0.75,
  'NDCG@10': 0.3,
  'HR@20': 1,
  'NDCG@20': 0.35,
};

describe('eval output', () => {
  it('JSON keys in the documented order; split only when it is not test', () => {
    expect(Object.keys(evalJson(report))).toEqual([
      'protocol',
      'split',
      'users',
      'HR@5',
      'NDCG@5',
      'HR@10',
      'NDCG@10',
      'HR@20',
      'NDCG@20',
    ]);
    expect(evalJson({ ...report, split: 'test' })).not.toHaveProperty('split');
  });

  it('a table with one row per k', () => {
    const text = evalTable(report, 'popularity baseline');
    expect(text.split('\n')[0]).toBe('popularity baseline: protocol sampled100, split valid, 3 users');
    expect(text).toMatch(/@10\s+0\.7500\s+0\.3000/);
  });
});
