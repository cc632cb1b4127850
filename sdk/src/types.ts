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
  /**
   * The last model rank(): total ms as the page saw it, the part spent in the worker, the part of that
   * in the model, and whether the encoder ran in it (false: the history had been encoded ahead, or was
   * ranked just before).
   */
  lastRank?: { totalMs: number; workerMs: number; modelMs: number; encoded: boolean };
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
  /** The newest events of the history (at most 10), oldest first; search text cut to 60 characters. */
  recentEvents: RecentEvent[];
  /** What the worker derived from the history at the last model rank(). */
  features?: FeatureSummary;
  /** True when the last rank() used weights fine-tuned here by trainNow(). */
  personalised?: boolean;
}

/** One event as status() shows it: no more than the page itself tracked. */
export interface RecentEvent {
  type: EventType;
  /** Ms since the epoch. */
  time: number;
  item?: string;
  query?: string;
  ms?: number;
}

/** The on-device features behind a ranking, summarised for a debug panel (nothing here leaves the device). */
export interface FeatureSummary {
  /** Interactions with known products the model reads (at most its maximum sequence length). */
  sequenceLength: number;
  /** Events in the current session (a gap of 30 minutes starts a new one). */
  sessionEvents: number;
  /** Minutes since the last event, -1 when there is none. */
  minutesSinceLast: number;
  /** The shopper's local hour (0..23) and its part of the day. */
  hour: number;
  partOfDay: 'night' | 'morning' | 'afternoon' | 'evening';
  /** Strongest decayed affinities (share of the total, 0..1), at most 3 each; named when the model has names. */
  topCategories: { name: string; share: number }[];
  topBrands: { name: string; share: number }[];
}

/** What trainNow() did. Nothing leaves the device either way. */
export type TrainResult =
  | {
      trained: true;
      /** Local SGD steps on the shopper's own sequence. */
      steps: number;
      /** The model's next-item loss on that sequence before and after (lower fits the shopper better). */
      lossBefore: number;
      lossAfter: number;
      /** The server version the personal weights were trained from. */
      modelVersion: string;
      ms: number;
    }
  | {
      trained: false;
      reason:
        | 'not_initialized'
        | 'no_consent'
        | 'no_model'
        | 'slow_backend'
        | 'too_short'
        | 'busy'
        | 'failed';
    };

/** What joinRound() did. Only a check-in (a random client id) and a clipped update ever leave. */
export type JoinResult =
  | {
      joined: true;
      roundId: number;
      steps: number;
      /** Size and L2 norm (≤ the round's clip bound) of the update queued for upload. */
      bytes: number;
      norm: number;
      /** True when the aggregator accepted it before joinRound() resolved; else the outbox keeps trying. */
      delivered: boolean;
    }
  | {
      joined: false;
      reason:
        | 'not_initialized'
        | 'no_server'
        | 'no_consent'
        | 'gpc'
        | 'not_sender'
        | 'no_model'
        | 'slow_backend'
        | 'busy'
        | 'no_round'
        | 'not_sampled'
        | 'too_short'
        | 'already_joined'
        | 'retry_later'
        | 'failed';
      roundId?: number;
    };

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
