// The loader snippet merchants paste into their page (built to dist/snippet.js, under 1 KB gzipped).
// It queues calls in `window.hearth` until the SDK script arrives, and loads that script async. A call
// is queued as [method, ...args], as pages may also push them by hand: hearth.push(['track', {...}]).
// The stub methods attach the promise's resolve to the entry so the SDK can settle it.
// Pasted twice, or pasted after the SDK loaded, it does nothing. Until the SDK loads every method
// returns a promise; a queued rank() settles with the shop's order after 1 s if the SDK never comes.
// '%HEARTH_SRC%' is replaced with the SDK's URL (dist/hearth.js on your CDN).
type Stub = unknown[] & { loaded?: boolean; snippet?: boolean } & Record<string, unknown>;

((w: { hearth?: Stub }, src: string) => {
  const h: Stub = w.hearth || ([] as unknown as Stub);
  w.hearth = h;
  if (h.loaded || h.snippet) return;
  h.snippet = true;
  for (const m of [
    'init',
    'track',
    'rank',
    'explain',
    'consent',
    'forget',
    'status',
    'trainNow',
    'joinRound',
  ])
    h[m] = (...a: unknown[]) =>
      new Promise((r) => {
        h.push(Object.assign([m, ...a], { resolve: r }));
        if (m === 'rank')
          setTimeout(() => {
            const ids = Array.isArray(a[0]) ? a[0] : [];
            r(ids.map((id: unknown) => ({ id, score: 0, reason: 'original' })));
          }, 1000);
      });
  const s = document.createElement('script');
  s.async = true;
  s.src = src;
  document.head.appendChild(s);
})(window as unknown as { hearth?: Stub }, '%HEARTH_SRC%');
