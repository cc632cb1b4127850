import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeEpsilon } from './accountant';
import { dpFedAvg } from './dp-fedavg';
import {
  chargeRound,
  createLedger,
  ledgerFromJson,
  ledgerToJson,
  PrivacyBudgetExceededError,
  previewRound,
  spentEpsilon,
} from './ledger';
import { seededGaussianForTestsOnly } from './noise';

const config = { delta: 1e-5, epsilonBudget: 5 };

describe('privacy ledger', () => {
  it('records q, z, rounds so far and the cumulative ε, matching the accountant for identical rounds', () => {
    let ledger = createLedger(config);
    expect(spentEpsilon(ledger).epsilon).toBe(0);
    for (let k = 0; k < 20; k++) ledger = chargeRound(ledger, { samplingRate: 0.01, noiseMultiplier: 1.1 });
    const last = ledger.rounds.at(-1)!;
    const expected = computeEpsilon({ samplingRate: 0.01, noiseMultiplier: 1.1, rounds: 20, delta: 1e-5 });
    expect(last).toMatchObject({
      round: 20,
      samplingRate: 0.01,
      noiseMultiplier: 1.1,
      order: expected.order,
    });
    expect(last.epsilon).toBeCloseTo(expected.epsilon, 12);
    expect(spentEpsilon(ledger).epsilon).toBeCloseTo(expected.epsilon, 12);
    // ε only grows round by round.
    for (let k = 1; k < ledger.rounds.length; k++)
      expect(ledger.rounds[k]!.epsilon).toBeGreaterThanOrEqual(ledger.rounds[k - 1]!.epsilon);
  });

  it('composes heterogeneous rounds by summing their RDP curves', () => {
    let ledger = createLedger(config);
    ledger = chargeRound(ledger, { samplingRate: 0.01, noiseMultiplier: 1 });
    ledger = chargeRound(ledger, { samplingRate: 0.05, noiseMultiplier: 2 });
    const mixed = spentEpsilon(ledger).epsilon;
    const both = (q: number, z: number) =>
      computeEpsilon({ samplingRate: q, noiseMultiplier: z, rounds: 2, delta: 1e-5 });
    // Mixing a cheap and a dear round costs between two cheap and two dear rounds.
    const a = both(0.01, 1).epsilon;
    const b = both(0.05, 2).epsilon;
    expect(mixed).toBeGreaterThan(Math.min(a, b));
    expect(mixed).toBeLessThan(Math.max(a, b));
  });

  it('property: the order in which rounds are charged does not change the ε spent (RDP addition commutes)', () => {
    const charge = fc.record({
      samplingRate: fc.constantFrom(0.01, 0.03, 0.1),
      noiseMultiplier: fc.constantFrom(0.9, 1.3, 2),
    });
    fc.assert(
      fc.property(fc.array(charge, { minLength: 1, maxLength: 8 }), (charges) => {
        const spend = (list: typeof charges) =>
          spentEpsilon(
            list.reduce((l, c) => chargeRound(l, c), createLedger({ delta: 1e-5, epsilonBudget: 1e9 })),
          ).epsilon;
        const forward = spend(charges);
        expect(spend([...charges].reverse())).toBeCloseTo(forward, 10);
        // And charging more never costs less.
        expect(spend([...charges, charges[0]!])).toBeGreaterThanOrEqual(forward);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a round that would exceed the budget, with a clear error, and stays unchanged', () => {
    let ledger = createLedger({ delta: 1e-5, epsilonBudget: 1 });
    // At q = 0.05, z = 1.5 (δ = 1e-5), ε is 0.66 after 1 round and 1.02 after 20: some rounds fit.
    const charge = { samplingRate: 0.05, noiseMultiplier: 1.5 };
    while (previewRound(ledger, charge).withinBudget) ledger = chargeRound(ledger, charge);
    const before = ledger;
    expect(() => chargeRound(ledger, charge)).toThrow(PrivacyBudgetExceededError);
    expect(() => chargeRound(ledger, charge)).toThrow(/over the budget of 1/);
    expect(ledger).toBe(before);
    expect(spentEpsilon(ledger).epsilon).toBeLessThanOrEqual(1);
    expect(ledger.rounds.length).toBeGreaterThan(1);
  });

  it('refuses a noise-free round outright (infinite ε)', () => {
    expect(() => chargeRound(createLedger(config), { samplingRate: 0.1, noiseMultiplier: 0 })).toThrow(
      PrivacyBudgetExceededError,
    );
  });

  it('S21: a DP round with fewer results than expected is still charged in full to the ledger', () => {
    const strategy = dpFedAvg({
      samplingRate: 0.05,
      population: 400,
      noiseMultiplier: 1.2,
      clipBound: 1,
      noise: seededGaussianForTestsOnly(9),
      allowInsecureNoise: true,
    });
    const acc = strategy.begin({ dimension: 4 });
    strategy.accumulate(acc, { values: new Float32Array([0.1, 0.2, 0.3, 0.4]) }); // 1 of 20 expected
    const result = strategy.finalize(acc);
    expect(result.expectedClients).toBeCloseTo(20, 12);
    const ledger = chargeRound(createLedger(config), result.privacy);
    const full = computeEpsilon({ samplingRate: 0.05, noiseMultiplier: 1.2, rounds: 1, delta: 1e-5 });
    expect(ledger.rounds).toHaveLength(1);
    expect(spentEpsilon(ledger).epsilon).toBeCloseTo(full.epsilon, 12);
    expect(full.epsilon).toBeGreaterThan(0);
  });

  it('charges and reloads a long ledger: 2,000 rounds alternating between two (q, z) pairs', () => {
    let ledger = createLedger({ delta: 1e-6, epsilonBudget: 1e6 });
    for (let k = 0; k < 2000; k++)
      ledger = chargeRound(ledger, { samplingRate: [0.01, 0.02][k % 2]!, noiseMultiplier: 1.1 });
    const expected = computeEpsilon({ samplingRate: 0.01, noiseMultiplier: 1.1, rounds: 1000, delta: 1e-6 });
    // Half the rounds at q = 0.01 alone already cost this much; the other half add to it.
    expect(spentEpsilon(ledger).epsilon).toBeGreaterThan(expected.epsilon);
    expect(ledgerFromJson(JSON.stringify(ledgerToJson(ledger)))).toEqual(ledger);
  });

  it('round-trips through JSON and keeps charging from where it was', () => {
    let ledger = createLedger({ ...config, orders: [2, 4.5, 8, 16, 32] });
    ledger = chargeRound(ledger, { samplingRate: 0.02, noiseMultiplier: 1.3, label: 'round-1' });
    ledger = chargeRound(ledger, { samplingRate: 0.03, noiseMultiplier: 1.1 });
    const text = JSON.stringify(ledgerToJson(ledger));
    const loaded = ledgerFromJson(text);
    expect(loaded).toEqual(ledger);
    const next = { samplingRate: 0.02, noiseMultiplier: 1.3 };
    expect(chargeRound(loaded, next)).toEqual(chargeRound(ledger, next));
  });

  it('refuses a stored ledger that is malformed or whose recorded ε does not match, naming the field', () => {
    const ledger = chargeRound(createLedger(config), { samplingRate: 0.02, noiseMultiplier: 1.3 });
    const json = ledgerToJson(ledger);
    expect(() => ledgerFromJson('{')).toThrow(/ledger: not valid JSON/);
    expect(() => ledgerFromJson({ ...json, delta: 'x' })).toThrow(/ledger\.delta/);
    expect(() => ledgerFromJson({ ...json, extra: 1 })).toThrow(/ledger/);
    const tampered = { ...json, rounds: [{ ...json.rounds[0]!, epsilon: 0.001 }] };
    expect(() => ledgerFromJson(tampered)).toThrow(/ledger\.rounds\.0\.epsilon: recorded 0.001/);
    const badRate = { ...json, rounds: [{ ...json.rounds[0]!, samplingRate: 2 }] };
    expect(() => ledgerFromJson(badRate)).toThrow(/ledger\.rounds\.0\.samplingRate/);
  });

  it('names bad configuration', () => {
    expect(() => createLedger({ delta: 0, epsilonBudget: 1 })).toThrow(/delta/);
    expect(() => createLedger({ delta: 1e-5, epsilonBudget: -1 })).toThrow(/epsilonBudget/);
    expect(() => chargeRound(createLedger(config), { samplingRate: -0.1, noiseMultiplier: 1 })).toThrow(
      /samplingRate/,
    );
  });
});
