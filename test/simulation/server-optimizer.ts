// A server optimizer on the published noisy average (FedAdam / FedAvgM, Reddi et al. 2021). The
// aggregator publishes old + Δ̃ (Δ̃: clipped, summed, noised, divided by q·N); what happens to Δ̃ after
// that is post-processing of a released value, so it costs no privacy. Plain averaging moves every
// coordinate by its tiny average; Adam rescales each coordinate by its own recent magnitude, so rows of
// items that many shoppers touch move at a useful speed within a few dozen rounds.
import { decodeArtifact, type EncodedArtifact, ITEM_TABLES, layoutSize } from '@hearth/models';
import { applyDelta, federatedLayout } from '../../aggregator-server/src/rounds/apply-delta';

export type ServerOptimizerKind = 'none' | 'sgd' | 'momentum' | 'adam';

export interface ServerOptimizerOptions {
  readonly kind: ServerOptimizerKind;
  /** Step size: sgd and momentum multiply by it, Adam bounds each coordinate's step near it. */
  readonly learningRate: number;
  /**
   * Step size for the per-item tables, when they should move at another speed than the encoder: an
   * item row's average is ~(shoppers who touched it / q·N) of one shopper's row delta, tiny next
   * to the dense encoder's signal, while the noise is the same on every coordinate.
   */
  readonly itemTablesLearningRate?: number;
  /** Momentum / Adam first-moment decay. */
  readonly beta1: number;
  /** Adam second-moment decay. */
  readonly beta2: number;
  /** Adam's floor on √v; keep it below the per-coordinate noise z·C/(q·N), or it turns Adam into SGD. */
  readonly epsilon: number;
}

export const DEFAULT_SERVER_OPTIMIZER: ServerOptimizerOptions = {
  kind: 'none',
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.99,
  epsilon: 1e-6,
};

/** Turns each round's averaged delta into the step the server applies. State lives across rounds. */
export interface ServerOptimizer {
  readonly options: ServerOptimizerOptions;
  /** `lr`: the step size per coordinate (e.g. item tables apart), else options.learningRate. */
  step(delta: Float32Array, lr?: Float32Array): Float32Array;
}

export function createServerOptimizer(options: ServerOptimizerOptions): ServerOptimizer {
  if (!(options.learningRate > 0)) throw new Error(`server optimizer learningRate must be positive`);
  if (options.itemTablesLearningRate !== undefined && !(options.itemTablesLearningRate > 0))
    throw new Error('server optimizer itemTablesLearningRate must be positive');
  if (!(options.beta1 >= 0 && options.beta1 < 1)) throw new Error('server optimizer beta1 must be in [0, 1)');
  if (!(options.beta2 >= 0 && options.beta2 < 1)) throw new Error('server optimizer beta2 must be in [0, 1)');
  if (!(options.epsilon > 0)) throw new Error('server optimizer epsilon must be positive');
  let m: Float64Array | null = null;
  let v: Float64Array | null = null;
  return {
    options,
    step(delta, lrs) {
      if (options.kind === 'none') return delta;
      if (m === null || m.length !== delta.length) {
        m = new Float64Array(delta.length);
        v = new Float64Array(delta.length);
      }
      const out = new Float32Array(delta.length);
      const { beta1, beta2, epsilon } = options;
      for (let i = 0; i < delta.length; i++) {
        const g = delta[i]!;
        const lr = lrs ? lrs[i]! : options.learningRate;
        if (options.kind === 'sgd') out[i] = lr * g;
        else if (options.kind === 'momentum') {
          m[i] = beta1 * m[i]! + g;
          out[i] = lr * m[i]!;
        } else {
          // No bias correction, as FedAdam: a steady coordinate's step rises from lr to ~2-3 lr over
          // the first rounds, then settles back to lr.
          m[i] = beta1 * m[i]! + (1 - beta1) * g;
          v![i] = beta2 * v![i]! + (1 - beta2) * g * g;
          out[i] = (lr * m[i]!) / (Math.sqrt(v![i]!) + epsilon);
        }
      }
      return out;
    },
  };
}

/**
 * The server learning rates a round is opened with. Plain sgd needs no state, so the aggregator
 * applies it itself (one version per round): its step replaces the harness's `serverLr`. Momentum
 * and Adam keep state across rounds and stay in the harness (serverStep), on a round at `serverLr`.
 */
export function roundServerStep(
  options: ServerOptimizerOptions | undefined,
  serverLr: number,
): { serverLr: number; serverItemTablesLr: number | null } {
  if (options?.kind !== 'sgd') return { serverLr, serverItemTablesLr: null };
  return { serverLr: options.learningRate, serverItemTablesLr: options.itemTablesLearningRate ?? null };
}

/** Whether the harness itself steps after each round (the optimizers with state). */
export function stepsInHarness(options: ServerOptimizerOptions | undefined): boolean {
  return options?.kind === 'momentum' || options?.kind === 'adam';
}

/**
 * The server step after a round: recovers the published average Δ̃ = (published − before) / serverLr
 * from the two released versions, and returns `before` + the optimizer's step as a new artifact (for
 * the harness to register as the next round's model). Tensors outside the round's layout have Δ̃ = 0
 * and stay as they were.
 */
export async function serverStep(
  optimizer: ServerOptimizer,
  before: EncodedArtifact,
  published: EncodedArtifact,
  serverLr: number,
  metadata: Record<string, unknown>,
): Promise<EncodedArtifact> {
  const layout = federatedLayout(before.manifest, /.*/, null);
  const [a, b] = await Promise.all([
    decodeArtifact(before.manifest, before.weights),
    decodeArtifact(published.manifest, published.weights),
  ]);
  const delta = new Float32Array(layoutSize(layout));
  let offset = 0;
  for (const spec of layout) {
    const x = a.tensors[spec.name]!.data;
    const y = b.tensors[spec.name]!.data;
    for (let i = 0; i < x.length; i++) delta[offset + i] = (y[i]! - x[i]!) / serverLr;
    offset += x.length;
  }
  const itemLr = optimizer.options.itemTablesLearningRate;
  const lrs = itemLr === undefined ? undefined : new Float32Array(delta.length);
  if (lrs) {
    let at = 0;
    for (const spec of layout) {
      const n = layoutSize([spec]);
      lrs.fill(ITEM_TABLES.includes(spec.name) ? itemLr! : optimizer.options.learningRate, at, at + n);
      at += n;
    }
  }
  const stepped = await applyDelta(
    before.manifest,
    before.weights,
    layout,
    optimizer.step(delta, lrs),
    { lr: 1, itemTablesLr: null },
    metadata,
  );
  return { manifest: stepped.manifest, weights: new Uint8Array(stepped.weights) };
}
