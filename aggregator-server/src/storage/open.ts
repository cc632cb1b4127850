// Which store a process opens, as plain data: the same description opens it on the main thread or,
// sent as workerData, inside the store's worker thread (worker-store.ts).

import { openEmbeddedStore } from './embedded';
import { openPostgresStore } from './postgres';
import type { Store } from './types';

export type StoreSpec =
  | {
      readonly kind: 'embedded';
      readonly dir: string;
      /** Fault injection for the crash test (S23): pause mid-checkpoint this long. */
      readonly pauseMidWriteMs?: number;
    }
  | { readonly kind: 'postgres'; readonly url: string };

/** Opens the store; `onPause` is told when an injected checkpoint pause begins. */
export function openStoreFromSpec(spec: StoreSpec, onPause?: () => void): Promise<Store> {
  if (spec.kind === 'postgres') return openPostgresStore({ url: spec.url });
  return openEmbeddedStore({
    dir: spec.dir,
    ...(spec.pauseMidWriteMs ? { pauseMidWriteMs: spec.pauseMidWriteMs } : {}),
    ...(onPause ? { onPause } : {}),
  });
}
