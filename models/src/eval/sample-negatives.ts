/**
 * Draws `count` distinct items uniformly from 1..numItems among those with seen[item] !== stamp (items
 * the user never interacted with), by rejection. When fewer than `count` are unseen, returns them all.
 * Distinct, unlike the SASRec reference code which may draw a negative twice; with 99 of ~12,000 items
 * the difference is negligible and distinct negatives make "rank among 100" exact.
 */
export function sampleUnseen(
  numItems: number,
  seen: Uint32Array,
  stamp: number,
  count: number,
  random: () => number,
): Int32Array {
  let unseen = 0;
  for (let j = 1; j <= numItems; j++) if (seen[j] !== stamp) unseen++;
  if (unseen <= count) {
    const all = new Int32Array(unseen);
    let n = 0;
    for (let j = 1; j <= numItems; j++) if (seen[j] !== stamp) all[n++] = j;
    return all;
  }
  const out = new Int32Array(count);
  const chosen = new Set<number>();
  let n = 0;
  while (n < count) {
    const j = 1 + Math.floor(random() * numItems);
    if (seen[j] === stamp || chosen.has(j)) continue;
    chosen.add(j);
    out[n++] = j;
  }
  return out;
}
