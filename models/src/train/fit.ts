import { mulberry32 } from '../eval/rng';
import type { NamedTensors } from '../model/weights';
import type { Interaction } from '../types';
import { makeBatches } from './batches';
import type { Trainer } from './trainer';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Validate every this many epochs (and after the last). */
  validateEvery: number;
  /** Stop after this many validations without improvement. */
  patience: number;
  seed: number;
  /** Stop starting new epochs after this much wall time (minutes), keeping the best so far. */
  maxMinutes?: number;
  /** Validation metric of the current weights, higher is better (e.g. full-ranking NDCG@10 on valid). */
  validate: (trainer: Trainer) => Promise<Record<string, number> & { score: number }>;
  onStep?: (done: number, total: number, loss: number) => void;
  /** Called after every epoch with the state to checkpoint (the tensors stay owned by fit). */
  onEpochEnd?: (state: FitState) => Promise<void>;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
  valid?: Record<string, number>;
}

/** Everything needed to continue training where it stopped. */
export interface FitState {
  /** Epochs completed. */
  epoch: number;
  history: EpochRecord[];
  bestScore: number;
  bestEpoch: number;
  validationsSinceBest: number;
  /** Seconds of training before this process (resumed runs add up). */
  elapsedSeconds: number;
  /** Weights of the best validated epoch (owned by fit; the caller clones to keep). */
  bestWeights: NamedTensors | undefined;
}

export function initialFitState(): FitState {
  return {
    epoch: 0,
    history: [],
    bestScore: Number.NEGATIVE_INFINITY,
    bestEpoch: 0,
    validationsSinceBest: 0,
    elapsedSeconds: 0,
    bestWeights: undefined,
  };
}

/**
 * Trains epochs of length-bucketed batches, validates every few epochs, keeps the best weights and
 * stops early (patience) or at the time budget. Deterministic batch order: epoch e shuffles with
 * seed + e, so a resumed run sees the same batches it would have seen.
 */
export async function fit(
  trainer: Trainer,
  sequences: readonly Interaction[][],
  options: FitOptions,
  state: FitState = initialFitState(),
): Promise<FitState> {
  const started = performance.now();
  const before = state.elapsedSeconds;
  const elapsed = () => before + (performance.now() - started) / 1000;
  while (state.epoch < options.epochs && state.validationsSinceBest < options.patience) {
    if (options.maxMinutes !== undefined && elapsed() > options.maxMinutes * 60) break;
    const epochStart = performance.now();
    const epoch = state.epoch + 1;
    const batches = makeBatches(
      sequences,
      options.batchSize,
      trainer.config.maxLen,
      mulberry32(options.seed + epoch),
    );
    let lossSum = 0;
    let positions = 0;
    for (const [i, batch] of batches.entries()) {
      const loss = await trainer.step(batch);
      lossSum += loss * batch.positions.length;
      positions += batch.positions.length;
      options.onStep?.(i + 1, batches.length, loss);
    }
    const record: EpochRecord = {
      epoch,
      loss: lossSum / positions,
      seconds: (performance.now() - epochStart) / 1000,
    };
    const last = epoch === options.epochs;
    if (epoch % options.validateEvery === 0 || last) {
      const valid = await options.validate(trainer);
      record.valid = valid;
      if (valid.score > state.bestScore) {
        for (const t of Object.values(state.bestWeights ?? {})) t.dispose();
        state.bestWeights = trainer.snapshot();
        state.bestScore = valid.score;
        state.bestEpoch = epoch;
        state.validationsSinceBest = 0;
      } else {
        state.validationsSinceBest++;
      }
    }
    state.history.push(record);
    state.epoch = epoch;
    state.elapsedSeconds = elapsed();
    await options.onEpochEnd?.(state);
  }
  state.elapsedSeconds = elapsed();
  if (!state.bestWeights) state.bestWeights = trainer.snapshot();
  return state;
}
