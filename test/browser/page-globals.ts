// What fixture pages put on `window`, for page.evaluate() callbacks in tests (type-only).
import type { Hearth } from '../../sdk/src/client';
import type { Status } from '../../sdk/src/types';

declare global {
  interface Window {
    /** The SDK's global: the snippet's queue until the SDK loads, then the API (loaded: true). */
    hearth: Hearth & { loaded?: boolean; push(cmd: unknown[]): unknown };
    /** What reached the host page's own error and unhandledrejection handlers. */
    __errors: string[];
    /** init()'s promise, set by the fixture page. */
    __ready: Promise<Status>;
  }
}
