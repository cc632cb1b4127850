// trainNow(): the shopper's own fine-tuned copy of the model, on the device only. It starts from the
// server's weights every time (pressing it twice does not compound), trains the shared encoder with
// the same local step a federated round uses, and keeps the item tables as they are, so a product the
// shopper never touched is scored as before except through the encoder. Nothing here leaves the worker.
import {
  type Interaction,
  Recommender,
  sequenceLoss,
  sharedEncoderLayout,
  trainLocalUpdate,
} from '@hearth/models';
import * as tf from '@tensorflow/tfjs';
import type { FeatureSummary } from '../types';
import type { Features } from './features';
import { LEARNING_RATE, yieldToEvents } from './federated';
import type { LoadedModel } from './model';

/** More steps than a round's: the delta stays here, so no clip bound has to keep it small. */
export const PERSONAL_STEPS = 10;
/** A bound far above any norm these steps reach: clipInPlace still refuses a non-finite delta. */
const NO_CLIP = 1e6;

export interface Personalised {
  model: LoadedModel;
  steps: number;
  lossBefore: number;
  lossAfter: number;
}

/** Null when the sequence has fewer than two known interactions (nothing to predict). */
export async function personalise(base: LoadedModel, sequence: Interaction[]): Promise<Personalised | null> {
  const rec = base.recommender;
  const kept = sequence.slice(-(rec.config.maxLen + 1));
  if (kept.length < 2) return null;
  const layout = sharedEncoderLayout(rec.config);
  const lossBefore = await sequenceLoss(rec, kept);
  const update = await trainLocalUpdate(rec, kept, layout, {
    localSteps: PERSONAL_STEPS,
    learningRate: LEARNING_RATE,
    clipBound: NO_CLIP,
    afterStep: yieldToEvents, // rank() calls meanwhile are served with the weights ranking now
  });
  if (update.steps === 0) return null;
  // New weights: base + delta for the trained tensors; the rest are clones (they share the base's
  // memory until one side is disposed).
  const weights: Record<string, tf.Tensor> = {};
  let offset = 0;
  const trained = new Map<string, Float32Array>();
  for (const spec of layout) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    trained.set(spec.name, update.values.subarray(offset, offset + size));
    offset += size;
  }
  for (const [name, t] of Object.entries(rec.weights)) {
    const delta = trained.get(name);
    weights[name] = delta ? tf.tidy(() => tf.add(t, tf.tensor(delta, t.shape))) : tf.clone(t);
  }
  const recommender = Recommender.create(rec.config, weights);
  const lossAfter = await sequenceLoss(recommender, kept);
  return {
    model: { ...base, recommender },
    steps: update.steps,
    lossBefore,
    lossAfter,
  };
}

/** The strongest entries of an affinity map, named when the model has names. */
function top(m: Map<number, number>, names: readonly string[], n = 3): { name: string; share: number }[] {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([i, share]) => ({ name: names[i] || `#${i}`, share: Math.round(share * 1000) / 1000 }));
}

/** What status().features shows: counts, context and top affinities, never the sequence itself. */
export function summarise(f: Features, m: LoadedModel): FeatureSummary {
  return {
    sequenceLength: Math.min(f.sequence.length, m.recommender.config.maxLen),
    sessionEvents: f.context.sessionEvents,
    minutesSinceLast: f.context.minutesSinceLast,
    hour: f.context.hour,
    partOfDay: f.context.partOfDay,
    topCategories: top(f.category, m.categoryNames),
    topBrands: top(f.brand, m.brandNames ?? []),
  };
}
