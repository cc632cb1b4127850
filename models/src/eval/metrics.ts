/**
 * Ranking metrics of one target, from its 0-based rank (0 = scored above every other candidate).
 * With one relevant item per user the ideal DCG is 1, so NDCG@k = 1 / log2(rank + 2) inside the top k.
 */
export const METRIC_KS = [5, 10, 20] as const;

export function hitRate(rank: number, k: number): number {
  return rank < k ? 1 : 0;
}

export function ndcg(rank: number, k: number): number {
  return rank < k ? 1 / Math.log2(rank + 2) : 0;
}

export type MetricName = `HR@${(typeof METRIC_KS)[number]}` | `NDCG@${(typeof METRIC_KS)[number]}`;
export type Metrics = Record<MetricName, number>;

/** Sums metrics over many ranks and averages them. */
export class MetricAccumulator {
  private readonly hr = new Float64Array(METRIC_KS.length);
  private readonly ndcgSum = new Float64Array(METRIC_KS.length);
  count = 0;

  add(rank: number): void {
    this.count++;
    METRIC_KS.forEach((k, i) => {
      this.hr[i]! += hitRate(rank, k);
      this.ndcgSum[i]! += ndcg(rank, k);
    });
  }

  mean(): Metrics {
    const n = Math.max(1, this.count);
    const out = {} as Metrics;
    METRIC_KS.forEach((k, i) => {
      out[`HR@${k}`] = this.hr[i]! / n;
      out[`NDCG@${k}`] = this.ndcgSum[i]! / n;
    });
    return out;
  }
}
