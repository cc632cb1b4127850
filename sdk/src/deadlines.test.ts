import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from './deadlines';

const never = new Promise<string>(() => {});

describe('Deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the value when it comes in time, and forgets the call', async () => {
    const d = new Deadlines();
    const r = d.within(Promise.resolve('model'), 300, 'shop', () => {});
    await expect(r).resolves.toBe('model');
    expect(d.size).toBe(0);
  });

  it('resolves with the fallback when the time is up, not a moment before', async () => {
    const d = new Deadlines();
    let result: string | undefined;
    void d
      .within(never, 300, 'shop', () => {})
      .then((r) => {
        result = r;
      });
    await vi.advanceTimersByTimeAsync(299);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBe('shop');
    expect(d.size).toBe(0);
  });

  it('resolves a rejection with the fallback and reports it', async () => {
    const d = new Deadlines();
    const errors: unknown[] = [];
    const r = d.within(Promise.reject(new Error('worker threw')), 300, 'shop', (e) => errors.push(e));
    await expect(r).resolves.toBe('shop');
    expect(String(errors[0])).toContain('worker threw');
  });

  it('arms one timer for a run of calls answered in time', async () => {
    const d = new Deadlines();
    const armed = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 50; i++) {
      await d.within(Promise.resolve(i), 300, -1, () => {});
      await vi.advanceTimersByTimeAsync(2); // the next list, 2 ms later
    }
    expect(armed).toHaveBeenCalledTimes(1);
  });

  it('keeps every deadline: a later call still expires on time after the first timer was spent on an answered one', async () => {
    const d = new Deadlines();
    await d.within(Promise.resolve('a'), 300, 'shop', () => {}); // arms for t = 300, answered
    await vi.advanceTimersByTimeAsync(200);
    let late: string | undefined;
    void d
      .within(never, 300, 'shop', () => {})
      .then((r) => {
        late = r;
      }); // due at t = 500; the armed timer fires at 300 and must re-arm
    await vi.advanceTimersByTimeAsync(299);
    expect(late).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(late).toBe('shop');
  });

  it('a shorter deadline arms an earlier timer', async () => {
    const d = new Deadlines();
    const results: string[] = [];
    void d.within(never, 1000, 'long', () => {}).then((r) => results.push(r));
    void d.within(never, 20, 'short', () => {}).then((r) => results.push(r));
    await vi.advanceTimersByTimeAsync(20);
    expect(results).toEqual(['short']);
    await vi.advanceTimersByTimeAsync(980);
    expect(results).toEqual(['short', 'long']);
  });
});
