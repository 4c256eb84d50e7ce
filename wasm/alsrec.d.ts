// Type declarations for the alsrec JavaScript API (wasm/alsrec_api.js), the friendly layer over the embind module.
// Every object that wraps wasm memory (Dataset, Trainer, Model) must be released with .delete().
// Every failure throws an AlsrecError whose .code names the core StatusCode: bad options/parameters, unknown user or
// item ids and use of a deleted object are 'invalid_argument'; unreadable ratings or model bytes are 'bad_input'.
// Ids are strings; a number passed as an id is converted with String().

export type ErrorCode =
  | 'invalid_argument' | 'bad_input' | 'numerical' | 'internal' | 'cancelled' | 'io_error' | 'load_failed';

export class AlsrecError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string);
}

export interface FormatOptions {
  sourceName?: string;          // used in messages, e.g. the file name
  delimiter?: string;           // '' (sniff) | ',' | '\t' | ';' | '|' | '::' | 'whitespace'
  header?: boolean | 'auto';
  encoding?: '' | 'utf-8' | 'latin-1';
  columns?: string;             // 'user,item,rating,timestamp', 'item,user,rating', 'user=userId,item=2'
  duplicates?: 'last' | 'first' | 'sum' | 'max';
  minRating?: number | null;
  strict?: boolean;
  maxBadFraction?: number;      // default 0.05
}

export interface DetectedFormat {
  delimiter: string; header: boolean; encoding: string; lineEnding: string;
  columnNames: string[];
  userColumn: number; itemColumn: number; ratingColumn: number; timestampColumn: number;  // 0-based, -1 absent
}

export interface BadRow { line: number; reason: string; }

export interface DatasetSummary {
  rows: number; interactions: number; users: number; items: number;
  skipped: number; skippedExamples: BadRow[]; filtered: number; duplicatesMerged: number;
  hasRatings: boolean; hasTimestamps: boolean;
  density: number;                       // interactions / (users × items)
  ratingHistogram: { value: number; count: number }[];  // distinct values (rounded to 0.5) when hasRatings
  format: DetectedFormat;
  fingerprint: string;                   // 16 hex digits
}

export interface ItemInfo { id: string; title: string; genres: string; }

export interface TrainParams {            // defaults: the CLI's defaults
  factors?: number; regularization?: number; alpha?: number;
  confidence?: 'implicit' | 'hu' | 'log' | 'ials' | 'explicit';
  values?: 'raw' | 'binary';
  epsilon?: number; unobservedWeight?: number; regExponent?: number;
  iterations?: number;
  solver?: 'auto' | 'cg' | 'cholesky' | 'subspace';  // auto: cg, or subspace from 256 factors when no pair is weighted
  cgSteps?: number; blockSize?: number;             // blockSize: subspace's coordinates per block
  seed?: number;
  computeLoss?: boolean;
}

export interface RankingMetrics {
  k: number; users: number;
  recall: number; precision: number; ndcg: number; map: number; hitRate: number; auc: number; coverage: number;
}

export interface StepProgress {
  iteration: number; iterations: number; loss: number; seconds: number; elapsed: number; done: boolean;
}

export interface ScoredItem { itemId: string; index: number; score: number; }
export interface Contribution { itemId: string; index: number; score: number; }

export class Dataset {
  summary(): DatasetSummary;
  userIds(): string[];
  itemIds(): string[];
  /** The user's interactions (item id, value, timestamp) in file order. */
  userItems(userId: string): { itemId: string; value: number; timestamp: number }[];
  /** Interactions per user, aligned with userIds(). (extension) */
  userCounts(): Uint32Array;
  /** Interactions per item (popularity), aligned with itemIds(). (extension) */
  itemCounts(): Uint32Array;
  /** True once delete() has been called. (extension) */
  readonly deleted: boolean;
  delete(): void;
}

export class Trainer {
  /** One ALS iteration (users then items). Throws AlsrecError('numerical') if training diverged. */
  step(): StepProgress;
  readonly iteration: number;
  readonly iterations: number;
  readonly done: boolean;
  /** With a split: ranking metrics on the held-out test interactions for the current factors. */
  evaluate(k?: number): RankingMetrics;
  /** With a split: the popularity baseline on the same split. */
  popularity(k?: number): RankingMetrics;
  /** evaluate() on at most maxUsers held-out users, always the same seeded sample (cheap curves). (extension) */
  evaluateSample(k?: number, maxUsers?: number): RankingMetrics;
  /** A Model of the current factors (a copy; the trainer may keep stepping). */
  model(): Model;
  /** Whether the trainer holds a test split (evaluate/popularity work). (extension) */
  readonly hasTest: boolean;
  /** The parameters in use, defaults filled in. (extension) */
  readonly params: Required<TrainParams>;
  readonly deleted: boolean;  // (extension)
  delete(): void;
}

export class Model {
  readonly factors: number;
  readonly numUsers: number;
  readonly numItems: number;
  readonly params: Required<TrainParams>;
  userIds(): string[];
  itemIds(): string[];
  /** Top-n for a known user; excludeSeen uses the interactions the model was trained on (when known). */
  recommend(userId: string, n?: number, options?: { excludeSeen?: boolean }): ScoredItem[];
  similar(itemId: string, n?: number): ScoredItem[];
  /** Solve a new user's factors from (item id, value) pairs against the fixed item factors; unknown ids are ignored. */
  foldIn(ratings: { itemId: string; value: number }[]): Float32Array;
  /** Top-n for a folded-in (or any) user vector; excluded item ids are left out. */
  recommendVector(userVector: Float32Array, n?: number, excludeItemIds?: string[]): ScoredItem[];
  /** The rated items that contributed most to `itemId`'s score for a user with these ratings. */
  explain(ratings: { itemId: string; value: number }[], itemId: string, n?: number): Contribution[];
  itemFactors(): Float32Array;   // numItems × factors, row-major copy
  userFactors(): Float32Array;   // numUsers × factors, row-major copy
  /** The model file bytes (same format as the CLI's --output). */
  save(): Uint8Array;
  /** Whether the model knows the interactions it was trained on (saved in the model file). (extension) */
  readonly hasSeenItems: boolean;
  /** Take the seen items from a dataset, matched by ids (for a model file without them). (extension) */
  attachSeen(dataset: Dataset): void;
  /** Every user's top-n in one pass: user u's list is items/scores[offsets[u] .. offsets[u+1]), item indices into
   *  itemIds(); users in userIds() order. (extension) */
  recommendAll(n?: number, options?: { excludeSeen?: boolean }): { offsets: Uint32Array; items: Uint32Array; scores: Float32Array };
  /** From the model file header. (extension) */
  info(): { iterationsDone: number; finalLoss: number; datasetFingerprint: string };
  readonly deleted: boolean;  // (extension)
  delete(): void;
}

export interface EvaluateResult {
  users: number;
  metrics: RankingMetrics;
  baseline: { popularity: RankingMetrics };
  fitSeconds: number;
  params: Required<TrainParams>;
}

/** One trained and scored grid point of tune(). objective: validation NDCG@K / Recall@K, or RMSE (explicit). */
export interface TuneTrial {
  stage: number;                    // 0 = the initial grid; s = local search at the s-th rung of the factor ladder
  params: Required<TrainParams>;
  objective: number; recall: number; ndcg: number; rmse: number;
  seconds: number;
}
export interface TuneProgress {
  trialsDone: number; stage: number; stages: number; elapsed: number; budget: number;
  last: TuneTrial; best: TuneTrial;
}
export interface TuneOptions {
  split?: string;                   // default 'temporal:0.2'; the validation split is the same kind, on train only
  k?: number;                       // default 10
  budgetSeconds?: number;           // default 60; 0 = no limit (at least one trial always runs)
  maxTrials?: number;               // reproducible alternative to the time budget
  objective?: 'ndcg' | 'recall';    // explicit mode always minimises RMSE
  params?: TrainParams;             // base parameters (mode, iterations, solver, seed); searched ones overwritten
  onProgress?: (p: TuneProgress) => boolean | void;  // return false to cancel (AlsrecError 'cancelled')
  /** Called once the search has ended, before the winner is trained on the train part and scored on test. */
  onSearchDone?: (tuning: TuneResult['tuning']) => void;
}
/** evaluate()'s result for the winner (trained on the whole train part, scored once on test), plus the search. */
export interface TuneResult extends EvaluateResult {
  tuning: {
    trials: TuneTrial[]; best: number; params: Required<TrainParams>; budgetExhausted: boolean; seconds: number;
    objective: 'ndcg' | 'recall' | 'rmse'; fitInteractions: number; validationInteractions: number;
  };
}

export interface GenerateOptions {
  users?: number; items?: number; interactions?: number; groups?: number; zipfExponent?: number; seed?: number;
}

export interface Alsrec {
  readonly version: string;
  readonly simd: boolean;
  readonly threads: number;
  /** The recommended parameters; with a confidence mode other than theirs, that mode's starting point. */
  defaults(confidence?: TrainParams['confidence']): Required<TrainParams>;
  /** The values each choice parameter accepts: {confidence, values, solver}. (extension) */
  readonly choices: { confidence: readonly string[]; values: readonly string[]; solver: readonly string[] };
  sniffFormat(bytes: Uint8Array, options?: FormatOptions): DetectedFormat;
  /** The format and the first maxRows records (header included) split as loadRatings splits them. (extension) */
  preview(bytes: Uint8Array, options?: FormatOptions, maxRows?: number): { format: DetectedFormat; rows: string[][] };
  /** onProgress is called after each 1 MiB chunk. */
  loadRatings(bytes: Uint8Array, options?: FormatOptions,
              onProgress?: (p: { bytesDone: number; bytesTotal: number }) => void): Dataset;
  loadItems(bytes: Uint8Array, options?: FormatOptions): ItemInfo[];
  /** split: 'none' | 'temporal:0.2' | 'random:0.2' | 'leave-last:1'. Trains on the train part only. */
  createTrainer(dataset: Dataset, params?: TrainParams, options?: { split?: string; splitSeed?: number }): Trainer;
  /** Train to completion; onProgress may return false to cancel (throws AlsrecError('cancelled')). */
  train(dataset: Dataset, params?: TrainParams, onProgress?: (p: StepProgress) => boolean | void): Model;
  evaluate(dataset: Dataset, params?: TrainParams,
           options?: { split?: string; k?: number; onProgress?: (p: StepProgress) => boolean | void }): EvaluateResult;
  /** d-doubling hyperparameter search on a validation split of the train part, then one evaluation on test. */
  tune(dataset: Dataset, options?: TuneOptions): TuneResult;
  loadModel(bytes: Uint8Array, sourceName?: string): Model;
  generateDemo(options?: GenerateOptions): { dataset: Dataset; items: ItemInfo[]; ratingsCsv: Uint8Array; itemsCsv: Uint8Array };
}

export interface LoadOptions {
  /** The .wasm bytes (required under node: Emscripten 3.1.6 cannot fetch a file path there). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where alsrec.wasm lives, for browsers (default: next to alsrec.js). */
  locateFile?: (path: string) => string;
  /** 'single' (default): alsrec.js; 'auto': the threaded alsrec-mt.js when the page is cross-origin isolated
   *  (SharedArrayBuffer available), else — or if it fails to start — the single-threaded module; 'multi': threaded
   *  or an error. `Alsrec.threads` tells which ran. */
  threads?: 'single' | 'auto' | 'multi';
}

export function loadAlsrec(options?: LoadOptions): Promise<Alsrec>;
