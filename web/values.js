// What the values of a ratings file are (stars, counts, bare interactions), in words; how to show one value; how
// to bin them for the histogram; and what a star given on the page weighs in the model's own value scale.
//
// The core is getting its own detection (summary.valuesKind: 'stars' | 'zero-means-interacted' | 'counts' |
// 'none'); valueKind() uses it as soon as the summary carries it. Until then it reads the histogram of distinct
// values with a rule that holds for any rating scale rather than for one data set:
//   no rating column, or one value everywhere  → none (each row is one interaction)
//   0 and 1..N (N ≤ 10), nothing in between     → zero-means-interacted (Book-Crossing: 0 = read, 1-10 = rated)
//   at most 21 values within [0, 10]            → stars (1-5, 0.5-5 in halves, 1-10)
//   other whole numbers ≥ 0                     → counts (plays, clicks, purchases)
//   anything else                               → scores
import { fmt } from './page.js';

const MAX_STAR = 10;
const MAX_STAR_VALUES = 21;  // 0, 0.5, …, 10

export function valueKind(summary) {
  if (!summary) return { kind: 'none' };
  const bins = summary.hasRatings ? summary.ratingHistogram : [];
  const total = bins.reduce((s, b) => s + b.count, 0);
  const values = bins.map((b) => b.value);
  const min = values.length ? values[0] : 0, max = values.length ? values[values.length - 1] : 0;
  const base = { min, max, bins, total };
  if (summary.valuesKind) return { ...base, kind: summary.valuesKind };
  if (values.length <= 1) return { ...base, kind: 'none' };
  const whole = values.every(Number.isInteger);
  if (min === 0 && whole && values[1] >= 1 && max <= MAX_STAR) return { ...base, kind: 'zero-means-interacted' };
  if (min >= 0 && max <= MAX_STAR && values.length <= MAX_STAR_VALUES) return { ...base, kind: 'stars' };
  if (min >= 0 && whole) return { ...base, kind: 'counts' };
  return { ...base, kind: 'scores' };
}

/** "Values: …" in words, for the data summary. */
export function describeKind(v) {
  switch (v.kind) {
    case 'stars': return `ratings from ${v.min} to ${v.max}`;
    case 'zero-means-interacted': return `0 means interacted without a rating; 1 to ${v.max} are ratings`;
    case 'counts': return `counts from ${fmt.int(v.min)} to ${fmt.int(v.max)} (plays, clicks…)`;
    case 'scores': return `scores from ${v.min} to ${v.max}`;
    default: return 'none: each row is one interaction';
  }
}

/** One value as what it is: "4.5★", "7/10", "13,883 times", "interacted". */
export function describeValue(v, value) {
  switch (v.kind) {
    case 'stars': return v.max <= 5 ? `${value}★` : `${value}/${v.max}`;
    case 'zero-means-interacted': return value === 0 ? 'interacted, no rating' : `${value}/${v.max}`;
    case 'counts': return `${fmt.int(value)} time${value === 1 ? '' : 's'}`;
    case 'scores': return `score ${value}`;
    default: return 'interacted';
  }
}

/**
 * Histogram rows [{label, count}]: one per value on a rating scale; for counts, powers of two (1, 2–3, 4–7…, so
 * a value range of millions stays a few dozen rows); for scores, twelve equal widths.
 */
export function histogramBins(v) {
  if (v.kind === 'none') return [];
  if (v.kind === 'stars' || v.kind === 'zero-means-interacted') {
    return v.bins.map((b) => ({ label: String(b.value), count: b.count }));
  }
  const rows = new Map();
  const add = (key, label, count) => {
    const row = rows.get(key) || { label, count: 0 };
    row.count += count;
    rows.set(key, row);
  };
  if (v.kind === 'counts') {
    for (const { value, count } of v.bins) {
      if (value === 0) { add(-1, '0', count); continue; }
      const e = Math.floor(Math.log2(value));
      const lo = 2 ** e, hi = 2 ** (e + 1) - 1;
      add(e, lo === hi ? fmt.int(lo) : `${fmt.int(lo)}–${fmt.int(hi)}`, count);
    }
  } else {
    const width = (v.max - v.min) / 12 || 1;
    for (const { value, count } of v.bins) {
      const k = Math.min(11, Math.floor((value - v.min) / width));
      const lo = v.min + k * width;
      add(k, `${fmt.param(lo)}–${fmt.param(lo + width)}`, count);
    }
  }
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
}

/** The value at quantile q of the data (from the histogram). */
function quantile(v, q) {
  let seen = 0;
  for (const b of v.bins) {
    seen += b.count;
    if (seen >= q * v.total) return b.value;
  }
  return v.max;
}

/**
 * What a star rating given on the page (1-5) weighs in the model: nothing below LIKE_FROM stars (the page's scale
 * midpoint is 3, so only 4★ and 5★ are likes); 1 for a model of binary values; on a rating scale, the same
 * position on the data's own scale; for counts, a typical (median) count for 4★ and a high (90th percentile)
 * one for 5★. `v` is null for a model loaded without its data: then stars count as they are.
 */
export const LIKE_FROM = 4;
export function likedValue(stars, v, modelValues) {
  if (stars < LIKE_FROM) return null;
  if (modelValues === 'binary' || v?.kind === 'none') return 1;
  if (!v) return stars;
  if (v.kind === 'stars' || v.kind === 'zero-means-interacted') {
    const lo = v.kind === 'stars' ? v.min : 1;
    return lo + ((stars - 1) / 4) * (v.max - lo);
  }
  return quantile(v, stars >= 5 ? 0.9 : 0.5);
}
