// Auto-capture from markup, so a merchant only adds attributes:
//   <li data-hearth-item="sku-1">            -> 'view' once it is visible enough, 'click' when clicked
//   <main data-hearth-product="sku-1">        -> 'view' on load and 'dwell' (visible ms) when the page hides
// Everything here is passive and cheap: one IntersectionObserver, one MutationObserver for tiles rendered
// later, one capturing click listener. Handlers never throw (a page's own handlers must still run).
import type { TrackEvent } from './types';

export interface CaptureOptions {
  threshold: number;
  emit: (event: TrackEvent) => void;
}

const ITEM = 'data-hearth-item';
const PRODUCT = 'data-hearth-product';

export function startCapture({ threshold, emit }: CaptureOptions): () => void {
  const cleanups: (() => void)[] = [];
  const seen = new Set<string>(); // one impression per item per page view

  const guard =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      try {
        f(...a);
      } catch {
        // capture is best-effort
      }
    };

  if (typeof IntersectionObserver === 'function') {
    const io = new IntersectionObserver(
      guard((entries: IntersectionObserverEntry[]) => {
        for (const entry of entries) {
          if (!entry.isIntersecting || entry.intersectionRatio < threshold) continue;
          const id = entry.target.getAttribute(ITEM);
          io.unobserve(entry.target);
          if (!id || seen.has(id)) continue;
          seen.add(id);
          emit({ type: 'view', item: id });
        }
      }),
      { threshold: Math.max(threshold, 0.01) },
    );
    const observeTiles = (root: ParentNode) => {
      if (root instanceof Element && root.hasAttribute(ITEM)) io.observe(root);
      for (const el of root.querySelectorAll(`[${ITEM}]`)) io.observe(el);
    };
    observeTiles(document);
    const mo = new MutationObserver(
      guard((records: MutationRecord[]) => {
        for (const r of records) for (const n of r.addedNodes) if (n instanceof Element) observeTiles(n);
      }),
    );
    mo.observe(document.documentElement, { childList: true, subtree: true });
    cleanups.push(
      () => io.disconnect(),
      () => mo.disconnect(),
    );
  }

  const onClick = guard((e: Event) => {
    const tile = e.target instanceof Element ? e.target.closest(`[${ITEM}]`) : null;
    const id = tile?.getAttribute(ITEM);
    if (id) emit({ type: 'click', item: id });
  });
  document.addEventListener('click', onClick, { capture: true, passive: true });
  cleanups.push(() => document.removeEventListener('click', onClick, { capture: true }));

  cleanups.push(startDwell(emit, guard));
  return () => {
    for (const c of cleanups) c();
  };
}

/** Product pages: a view now, and the visible time as 'dwell' whenever the page is hidden. */
function startDwell(
  emit: (e: TrackEvent) => void,
  guard: <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => void,
) {
  const id = document.querySelector(`[${PRODUCT}]`)?.getAttribute(PRODUCT);
  if (!id) return () => {};
  emit({ type: 'view', item: id });
  let visibleSince = document.visibilityState === 'visible' ? performance.now() : -1;
  const flush = guard(() => {
    if (visibleSince < 0) return;
    const ms = performance.now() - visibleSince;
    visibleSince = -1;
    if (ms >= 1000) emit({ type: 'dwell', item: id, ms });
  });
  const onVisibility = guard(() => {
    if (document.visibilityState !== 'visible') flush();
    else if (visibleSince < 0) visibleSince = performance.now();
  });
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('pagehide', flush);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('pagehide', flush);
  };
}
