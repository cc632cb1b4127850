import { describe, expect, it } from 'vitest';
import type { Interaction } from '../types';
import { evalCase, leaveOneOut, trainingPart } from './split';

const ev = (...items: number[]): Interaction[] => items.map((item) => ({ item, action: 'view' }));

describe('leave-one-out split', () => {
  it('last = test, second-to-last = valid, rest = train', () => {
    const s = leaveOneOut(ev(5, 6, 7, 8))!;
    expect(s.train.map((e) => e.item)).toEqual([5, 6]);
    expect(s.valid.item).toBe(7);
    expect(s.test.item).toBe(8);
  });

  it('valid sees the training part; test sees everything before the last event', () => {
    const events = ev(5, 6, 7, 8);
    expect(evalCase(events, 'valid')!.history.map((e) => e.item)).toEqual([5, 6]);
    expect(evalCase(events, 'valid')!.target.item).toBe(7);
    expect(evalCase(events, 'test')!.history.map((e) => e.item)).toEqual([5, 6, 7]);
    expect(evalCase(events, 'test')!.target.item).toBe(8);
  });

  it('users with fewer than 3 events are not evaluated and train on everything', () => {
    expect(leaveOneOut(ev(1, 2))).toBeNull();
    expect(evalCase(ev(1, 2), 'test')).toBeNull();
    expect(trainingPart(ev(1, 2)).map((e) => e.item)).toEqual([1, 2]);
    expect(trainingPart(ev(1, 2, 3)).map((e) => e.item)).toEqual([1]);
  });
});
