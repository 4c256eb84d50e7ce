// Type declarations for the alsrec JavaScript API (wasm/alsrec_api.js), the friendly layer over the embind module.
// Every object that wraps wasm memory (Dataset, Experiment, Model) must be released with .delete().
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
  format: DetectedFormat;
  fingerprint: string;                   // 16 hex digits
}

/** What the value column is (the core's detection, profile.h), with the evidence in one sentence. */
export type ValueKind = 'none' | 'binary' | 'stars' | 'zero_implicit' | 'counts' | 'other';
export interface ValueBin { low: number; high: number; count: number; }  // values in [low, high]
export interface DataProfile {
  values: {
    kind: ValueKind; description: string; evidence: string;
    min: number; max: number; mean: number; median: number; p99: number; distinct: number; integers: boolean;
    step: number;                        // stars: the grid (0.5 or 1)
    zeroWeight: number;                  // zero_implicit: the weight a 0 gets
    histogram?: ValueBin[];              // Dataset.profile() only: the values binned by their kind
  };
  users: number; items: number; interactions: number; density: number;
  meanPerUser: number; medianPerUser: number; meanPerItem: number; medianPerItem: number;
  topItemShare: number;                  // share of interactions on the most popular 1% of items
  hasTimestamps: boolean;
}

export interface ItemInfo { id: string; title: string; genres: string; }

/** One row of the engine's parameter table (the CLI's flags, the limits every surface checks). */
export interface ParameterInfo {
  name: string;                          // the JS key: 'unobservedWeight'
  flag: string;                          // the CLI flag without '--': 'unobserved-weight'
  type: 'number' | 'integer' | 'choice' | 'boolean';
  min: number; max: number;              // inclusive (numbers)
  integer: boolean;
  choices: readonly string[];            // type 'choice': the accepted names
  help: string;
}

/** Model parameters by JS key; a key left out is decided from the data (see README "Defaults"). The accepted keys,
 *  limits and names are `Alsrec.parameters` (the engine's table): these are the ones it has today. */
export interface TrainParams {
  factors?: number; regularization?: number; alpha?: number;
  confidence?: 'implicit' | 'hu' | 'log' | 'ials' | 'explicit';
  values?: 'raw' | 'binary' | 'log';
  epsilon?: number; unobservedWeight?: number; regExponent?: number; popularityExponent?: number;
  iterations?: number; solver?: string; cgSteps?: number; threads?: number; seed?: number; biases?: boolean;
  [parameter: string]: number | string | boolean | undefined;
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
  /** The engine's profile of the data: value kind with evidence, binned values, shape. (extension) */
  profile(): DataProfile;
  /** The parameters the data gets for `params` (the rest from its profile) and the notes saying why. (extension) */
  resolve(params?: TrainParams): { params: Required<TrainParams>; notes: string[] };
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

/** One fit of the search, scored on the validation split carved from the train part. */
export interface SearchTrial {
  stage: string;                    // 'start', 'values', 'weight', 'lambda', 'exponent', 'model', 'dimension', ...
  params: Required<TrainParams>;
  objective: number;                // validation NDCG@K / Recall@K (higher is better) or RMSE (explicit)
  recall: number; ndcg: number; rmse: number; seconds: number; failed: boolean;
}
export interface SearchProgress {
  trialsDone: number; elapsed: number; budget: number;
  last: SearchTrial | null; best: SearchTrial | null; done: boolean;
}
export interface SearchResult {
  trials: SearchTrial[]; best: number; chosen: Required<TrainParams>; higherIsBetter: boolean;
  budgetExhausted: boolean; seconds: number; fitInteractions: number; validationInteractions: number;
  notes: string[];
}
export interface BaselineError { error: string; seconds: number; }
export interface Evaluation {
  model: RankingMetrics;
  baselines: { popularity?: RankingMetrics & { seconds: number };
               ease?: (RankingMetrics & { lambda: number; seconds: number }) | BaselineError };
  ratingErrors?: { model: RatingErrors; globalMean: RatingErrors; bias: RatingErrors };  // explicit mode
  seconds: number;
}
export interface RatingErrors { count: number; rmse: number; mae: number; }

export interface ExperimentOptions {
  split?: string;                   // 'none' (createExperiment's default) | 'temporal:0.2' | 'random:0.2' | 'leave-last:1'
  k?: number;                       // default 10
  search?: 'screen' | 'auto' | 'none';  // default 'screen': α₀ and λ screened around the data's defaults
  budgetSeconds?: number;           // 'auto': default 60; 0 = no limit (the first trial always runs)
  maxTrials?: number;               // reproducible alternative to the time budget (0 = no limit)
  objective?: 'ndcg' | 'recall';    // explicit mode always minimises RMSE
  baselines?: string;               // 'popularity' (default), 'popularity,ease', 'none'
  easeMaxBytes?: number;            // EASE is refused beyond this working memory (default 4 GiB)
}

/** How far Experiment.evaluateStep has ranked the test users. (extension) */
export interface EvaluationStep {
  usersDone: number;
  users: number;
  done: boolean;
}

/** The core's Experiment: one data set, split, searched, fitted and evaluated a step at a time. (extension) */
export class Experiment {
  /** Search trials remain; they run (searchStep) before the first step(). */
  readonly searching: boolean;
  searchStep(): SearchProgress;
  searchResult(): SearchResult | null;
  /** Every remaining trial; onTrial returning false cancels (AlsrecError 'cancelled'). */
  search(onTrial?: (p: SearchProgress) => boolean | void): SearchResult | null;
  /** One ALS iteration (users then items). Throws AlsrecError('numerical') if training diverged. */
  step(): StepProgress;
  readonly iteration: number;
  readonly iterations: number;
  readonly done: boolean;
  readonly hasTest: boolean;
  readonly trainInteractions: number;
  readonly testInteractions: number;
  /** The parameters in use (the search's choice once it has ended). */
  readonly params: Required<TrainParams>;
  /** Each decision taken from the data, in words. */
  readonly notes: string[];
  /** The train part's profile. */
  profile(): DataProfile;
  /** Metrics of the current factors on the test part; maxUsers > 0: an evenly spaced sample of test users. */
  testMetrics(maxUsers?: number): RankingMetrics;
  /** Ranks at least maxUsers more test users (whole blocks, or all left); evaluate() then ranks the rest, same result. */
  evaluateStep(maxUsers: number): EvaluationStep;
  /** The model beside the baselines on the test part. */
  evaluate(): Evaluation;
  /** A Model of the current factors (a copy). */
  model(): Model;
  readonly deleted: boolean;
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

export interface RunCallbacks {
  onProgress?: (p: StepProgress) => boolean | void;    // after each iteration; false cancels
  onTrial?: (p: SearchProgress) => boolean | void;     // after each search trial; false cancels
}

export interface EvaluateResult {
  users: number;
  metrics: RankingMetrics;
  baseline: Evaluation['baselines'];
  ratingErrors?: Evaluation['ratingErrors'];
  fitSeconds: number;
  params: Required<TrainParams>;
  notes: string[];
  profile: DataProfile;
  search: SearchResult | null;
}

export interface GenerateOptions {
  users?: number; items?: number; interactions?: number; groups?: number; zipfExponent?: number; seed?: number;
}

export interface Alsrec {
  readonly version: string;
  readonly simd: boolean;
  readonly threads: number;
  /** The engine's parameter table: names, limits, accepted values and help of every model parameter. (extension) */
  readonly parameters: readonly ParameterInfo[];
  /** The values each choice parameter accepts: {confidence, values, solver}. (extension) */
  readonly choices: { readonly [name: string]: readonly string[] };
  /** Bytes EASE needs for a catalogue of `items` items. (extension) */
  easeMemoryBytes(items: number): number;
  sniffFormat(bytes: Uint8Array, options?: FormatOptions): DetectedFormat;
  /** The format and the first maxRows records (header included) split as loadRatings splits them. (extension) */
  preview(bytes: Uint8Array, options?: FormatOptions, maxRows?: number): { format: DetectedFormat; rows: string[][] };
  /** onProgress is called after each 1 MiB chunk. */
  loadRatings(bytes: Uint8Array, options?: FormatOptions,
              onProgress?: (p: { bytesDone: number; bytesTotal: number }) => void): Dataset;
  loadItems(bytes: Uint8Array, options?: FormatOptions): ItemInfo[];
  /** The core's Experiment, stepped by the caller (the page's worker). (extension) */
  createExperiment(dataset: Dataset, params?: TrainParams, options?: ExperimentOptions): Experiment;
  /** Search (default: the screen) and fit on all the data, as `alsrec train`. A function is taken as onProgress. */
  train(dataset: Dataset, params?: TrainParams,
        options?: Omit<ExperimentOptions, 'split' | 'k' | 'baselines'> & RunCallbacks | RunCallbacks['onProgress']): Model;
  /** Hold out options.split (default 'temporal:0.2'), search, fit, and score beside the baselines, as `alsrec evaluate`. */
  evaluate(dataset: Dataset, params?: TrainParams, options?: ExperimentOptions & RunCallbacks): EvaluateResult;
  loadModel(bytes: Uint8Array, sourceName?: string): Model;
  generateDemo(options?: GenerateOptions): { dataset: Dataset; items: ItemInfo[]; ratingsCsv: Uint8Array; itemsCsv: Uint8Array };
}

export interface LoadOptions {
  /** The .wasm bytes. Default: read (node) or fetched (browsers) from alsrec.wasm beside alsrec_api.js. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where alsrec.wasm lives, for browsers (default: next to alsrec.js). */
  locateFile?: (path: string) => string;
  /** 'single' (default): alsrec.js; 'auto': the threaded alsrec-mt.js when the page is cross-origin isolated
   *  (SharedArrayBuffer available), else — or if it fails to start — the single-threaded module; 'multi': threaded
   *  or an error. `Alsrec.threads` tells which ran. */
  threads?: 'single' | 'auto' | 'multi';
}

export function loadAlsrec(options?: LoadOptions): Promise<Alsrec>;
