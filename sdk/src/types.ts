// The public vocabulary of the SDK: what a merchant passes in and gets back.

/** Backends in the order the SDK tries them; 'none' means the shop's own order is used. */
export type Backend = 'webgpu' | 'wasm' | 'cpu';

export interface HearthConfig {
  /** The shop's site key: storage is namespaced by it. Letters, digits, '-' and '_', at most 64. */
  siteKey: string;
  /** URL of the model manifest (JSON). Without it the SDK captures but ranks in the shop's order. */
  modelUrl?: string;
  /** Where `hearth-worker.js` and the TensorFlow.js wasm binaries live. Default: beside the SDK script. */
  assetsUrl?: string;
  /** A merchant-hosted copy of `hearth-worker.js` (same origin as the page), tried before a blob URL. */
  workerUrl?: string;
  /** When true nothing is stored on the device until `consent(true)`. */
  requireConsent?: boolean;
  /** Print the SDK's debug messages to the console (each once). */
  debug?: boolean;
  /** Auto-capture impressions and clicks of `[data-hearth-item]` elements (default true). */
  autoCapture?: boolean;
  /** Fraction of a tile that must be visible to count an impression (0..1, default 0.5). */
  impressionThreshold?: number;
  /** Backends to try, in order (default ['webgpu', 'wasm', 'cpu']). */
  backends?: Backend[];
  /** Longest a rank() may take before it resolves with the original order (ms, default 300). */
  rankTimeoutMs?: number;
  /** Event log bounds: newest `maxEvents` kept (default 500), none older than `maxEventAgeDays` (30). */
  maxEvents?: number;
  maxEventAgeDays?: number;
  /** How much the shop's own order counts in the blend, 0..1 (default 0.2). */
  shopWeight?: number;
  /**
   * The aggregator's base URL (e.g. 'https://fl.example/'): with it the SDK takes part in federated
   * rounds (consent, no GPC) and picks up new model versions. Same origin, or an aggregator that
   * allows the page's origin (CORS).
   */
  serverUrl?: string;
  /** Seconds after init() before the first check-in (default 20): the page's own work comes first. */
  checkInDelaySec?: number;
  /** How often to look for a newly published model version, in seconds (default 600). */
  updateCheckSec?: number;
}

export type EventType = 'view' | 'click' | 'add_to_cart' | 'purchase' | 'search' | 'dwell';

/** What track() accepts. `item` is the shop's product id; `query` is for search. */
export interface TrackEvent {
  type: EventType;
  item?: string;
  query?: string;
  /** Dwell time on a product page in ms (type 'dwell'). */
  ms?: number;
  /** When it happened, ms since the epoch (default now). */
  time?: number;
}

/** One ranked candidate. `reason` is 'original' when the shop's order was kept. */
export interface RankedItem {
  id: string;
  score: number;
  reason: string;
  /** The model's raw score, when a model ranked the list. */
  modelScore?: number;
}

export interface RankContext {
  /** Override rankTimeoutMs for this call. */
  timeoutMs?: number;
  /** A name for the list (for the page's own bookkeeping and debugging; not used in scoring). */
  list?: string;
}

export interface Explanation {
  itemId: string;
  /** History items that drove the score, strongest first (weights sum to at most 1). */
  drivers: { itemId: string; weight: number }[];
  /** A sentence for a debug panel or a "why this?" tooltip. */
  text: string;
}

export type ConsentState = 'not_required' | 'pending' | 'granted' | 'denied';

export interface Status {
  initialized: boolean;
  siteKey?: string;
  /** The backend ranking runs on, or 'none' when the shop's order is used. */
  backend: Backend | 'none';
  modelVersion?: string;
  /** True when the model came from the IndexedDB cache rather than the network. */
  modelCached?: boolean;
  /** Live TensorFlow.js tensors in the worker after the last model rank() (growth = a leak). */
  tensors?: number;
  /** The last model rank(): total ms as the page saw it, and the part spent in the worker. */
  lastRank?: { totalMs: number; workerMs: number };
  /** Start-up phases (ms): worker reachable, backend ready, model built, warm-up done. */
  startup?: { workerMs: number; backendMs: number; modelMs: number; warmUpMs: number };
  consent: ConsentState;
  /** True when the browser sends Global Privacy Control: nothing will leave the device. */
  gpc: boolean;
  /** Whether data may be stored on the device now. */
  storing: boolean;
  /** Whether anything (a model update, issue 7) may leave the device: consent and no GPC. */
  sharing: boolean;
  /** Events in this session's history (memory). */
  events: number;
  /** Debug messages so far (each failure once). */
  messages: string[];
  /** Federated learning, when a serverUrl is configured. */
  federation?: FederationStatus;
}

export interface FederationStatus {
  /** This tab is the one (per site key) that takes part in rounds and sends the queue. */
  sender: boolean;
  /** Rounds this page trained for. */
  rounds: number;
  /** The last update trained here: its round, size in bytes, norm (≤ the round's bound), step times. */
  lastUpdate?: {
    roundId: number;
    bytes: number;
    norm: number;
    steps: number;
    stepMs: number[];
    /** When training ran (ms since the epoch). */
    window: [number, number];
  };
  /** Outbox outcomes on this page: delivered, dropped (refused or expired), retried, sent with keepalive. */
  sent: number;
  dropped: number;
  retried: number;
  keepalive: number;
}
