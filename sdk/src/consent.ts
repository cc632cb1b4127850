// Consent decides two things: whether anything may be stored on this device, and whether anything may
// leave it. Global Privacy Control (navigator.globalPrivacyControl) vetoes the second whatever the
// consent, since it is the shopper's standing "do not share".
import type { ConsentState } from './types';

function key(siteKey: string): string {
  return `hearth:${siteKey}:consent`;
}

function read(siteKey: string): string | null {
  try {
    return localStorage.getItem(key(siteKey));
  } catch {
    return null; // storage disabled (some web views, sandboxed frames)
  }
}

export class Consent {
  private current: ConsentState;

  constructor(
    private readonly siteKey: string,
    requireConsent: boolean,
  ) {
    const saved = read(siteKey);
    if (saved === 'granted' || saved === 'denied') this.current = saved;
    else this.current = requireConsent ? 'pending' : 'not_required';
  }

  get state(): ConsentState {
    return this.current;
  }

  /** May the SDK store anything on this device? */
  get storing(): boolean {
    return this.current === 'granted' || this.current === 'not_required';
  }

  /** May anything (a model update) leave the device? */
  get sharing(): boolean {
    return this.storing && !gpc();
  }

  /**
   * Records the shopper's choice. A grant is remembered so the next page load may store at once; a
   * refusal is remembered too (an opt-out that is forgotten on reload is no opt-out).
   */
  set(granted: boolean): void {
    this.current = granted ? 'granted' : 'denied';
    try {
      localStorage.setItem(key(this.siteKey), this.current);
    } catch {
      // not remembered across loads; this page still honours it
    }
  }

  /** Drops the remembered choice (part of forget()). */
  clear(requireConsent: boolean): void {
    try {
      localStorage.removeItem(key(this.siteKey));
    } catch {
      // nothing stored, nothing to remove
    }
    this.current = requireConsent ? 'pending' : 'not_required';
  }
}

export function gpc(): boolean {
  try {
    return (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  } catch {
    return false;
  }
}
