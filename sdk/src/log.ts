// The SDK's only voice: debug messages, each said once, and only when the merchant asked (`debug: true`).
// A storefront SDK must never spam a shopper's console or throw at the page, so every failure the SDK
// swallows goes through here instead.

let enabled = false;
const said = new Set<string>();
/** The messages said so far (also when debug is off), for status() and tests. */
export const history: string[] = [];

export function setDebug(on: boolean): void {
  enabled = on;
}

/** Logs `message` once per `key` (defaults to the message itself). */
export function debug(message: string, key: string = message): void {
  if (said.has(key)) return;
  said.add(key);
  history.push(message);
  if (history.length > 50) history.shift();
  if (enabled) {
    try {
      console.debug(`[hearth] ${message}`);
    } catch {
      // a page may have replaced console; never mind
    }
  }
}

/** For errors: the message without a stack, whatever was thrown. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
