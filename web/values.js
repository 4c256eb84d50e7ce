// How the page shows values: the engine decides what the value column is (its profile: kind, evidence, binned
// values; core/include/alsrec/profile.h); this module only words it: the kind in a sentence, one value as what it
// is, a histogram bin's label, and what a star given on the page weighs in the model's own value scale.
import { fmt } from './page.js';

/** "Values: …" in words, for the data summary: the engine's description and its evidence. */
export function describeKind(values) {
  if (!values) return '';
  return values.kind === 'none' ? `${values.description}: each row is one interaction`
    : `${values.description}: ${values.evidence}`;
}

/** One value as what it is: "4.5★", "7/10", "13,883 times", "interacted". */
export function describeValue(values, value) {
  switch (values?.kind) {
    case 'stars': return values.max <= 5 ? `${value}★` : `${value}/${values.max}`;
    case 'zero_implicit': return value === 0 ? 'interacted, no rating' : `${value}/${values.max}`;
    case 'counts': return `${fmt.int(value)} time${value === 1 ? '' : 's'}`;
    case 'other': return `weight ${fmt.param(value)}`;
    default: return 'interacted';  // none, binary: every row is one interaction
  }
}

/** A histogram bin's label: one value, or a range ("1,024–2,047"). */
export function binLabel(values, bin) {
  const show = values.kind === 'counts' ? fmt.int : fmt.param;
  return bin.low === bin.high ? show(bin.low) : `${show(bin.low)}–${show(bin.high)}`;
}

/**
 * What a star rating given on the page (1-5) weighs in the model: nothing below LIKE_FROM stars (the page's scale
 * midpoint is 3, so only 4★ and 5★ are likes); 1 for a model of binary values; on a rating scale, the same
 * position on the data's own scale; for counts and other weights, a typical (median) value for 4★ and a high one
 * (99th percentile) for 5★. `values` is null for a model loaded without its data: then stars count as they are.
 * The engine applies the model's value transform (log for counts) to what is given here.
 */
export const LIKE_FROM = 4;
export function likedValue(stars, values, modelValues) {
  if (stars < LIKE_FROM) return null;
  if (modelValues === 'binary' || values?.kind === 'none' || values?.kind === 'binary') return 1;
  if (!values) return stars;
  if (values.kind === 'stars' || values.kind === 'zero_implicit') {
    const lo = values.kind === 'stars' ? values.min : values.zeroWeight || 1;
    return lo + ((stars - 1) / 4) * (values.max - lo);
  }
  return stars >= 5 ? values.p99 : values.median;
}
