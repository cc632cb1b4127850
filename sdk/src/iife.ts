// The script-tag entry. The snippet left `window.hearth` as an array of queued calls
// ([method, ...args], with a `resolve` property when the page awaits the result); this puts the real
// API in its place, then replays them in order. Loaded twice, the second copy sees the real API and
// does nothing.
import { createHearth, type Hearth } from './client';
import { debug } from './log';

type Queued = unknown[] & { resolve?: (value: unknown) => void };
type Slot = Queued[] & Partial<Hearth> & { loaded?: boolean };

function scriptBase(): string | undefined {
  try {
    const src = (document.currentScript as HTMLScriptElement | null)?.src;
    return src ? new URL('./', src).href : undefined;
  } catch {
    return undefined;
  }
}

(() => {
  try {
    const w = window as unknown as { hearth?: Slot | (Hearth & { loaded: true }) };
    const existing = w.hearth;
    if (existing && 'loaded' in existing && existing.loaded) return;
    const sdk = createHearth(scriptBase());
    const queue: Queued[] = Array.isArray(existing) ? existing.slice() : [];
    const run = (cmd: Queued) => {
      try {
        if (!Array.isArray(cmd)) return;
        const f = typeof cmd[0] === 'string' ? sdk[cmd[0] as keyof Hearth] : undefined;
        const result =
          typeof f === 'function' ? (f as (...a: unknown[]) => unknown)(...cmd.slice(1)) : undefined;
        if (typeof f !== 'function') debug(`unknown command ${String(cmd[0]).slice(0, 40)}: dropped`);
        const resolve = cmd.resolve;
        if (resolve) Promise.resolve(result).then(resolve, () => resolve(undefined));
      } catch {
        // a malformed command is dropped
      }
    };
    const api = {
      ...sdk,
      loaded: true as const,
      // Calls pushed after load (old snippet copies) still work.
      push: (...cmds: Queued[]) => {
        for (const cmd of cmds) run(cmd);
        return 0;
      },
    };
    w.hearth = api;
    // init first (every other call needs it), then the rest in the order the page made them.
    const isInit = (cmd: Queued) => Array.isArray(cmd) && cmd[0] === 'init';
    for (const cmd of queue.filter(isInit)) run(cmd);
    for (const cmd of queue.filter((c) => !isInit(c))) run(cmd);
  } catch {
    // never break the page
  }
})();
