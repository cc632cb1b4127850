import type { EvalReport } from '../eval/evaluate';
import { METRIC_KS } from '../eval/metrics';

/** The JSON line of the eval CLI: protocol, users, then HR/NDCG at 5, 10, 20 (split only when not test). */
export function evalJson(report: EvalReport): Record<string, string | number> {
  const out: Record<string, string | number> = { protocol: report.protocol };
  if (report.split !== 'test') out['split'] = report.split;
  out['users'] = report.users;
  for (const k of METRIC_KS) {
    out[`HR@${k}`] = report[`HR@${k}`];
    out[`NDCG@${k}`] = report[`NDCG@${k}`];
  }
  return out;
}

/** A small text table for people. */
export function evalTable(report: EvalReport, title: string): string {
  const rows = METRIC_KS.map(
    (k) =>
      `  @${String(k).padEnd(4)} ${report[`HR@${k}`].toFixed(4).padStart(8)} ${report[`NDCG@${k}`].toFixed(4).padStart(8)}`,
  );
  return [
    `${title}: protocol ${report.protocol}, split ${report.split}, ${report.users} users`,
    `  k          HR     NDCG`,
    ...rows,
  ].join('\n');
}
