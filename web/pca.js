// The 2-D map of items: the first two principal components of the item factor vectors.
const MAP_POINTS = 2500;  // items plotted (the most rated ones)

/** Top-2 principal axes of the rows of F (n × k) by power iteration on the k × k covariance. */
function pca2(F, n, k) {
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j] += F[i * k + j];
  for (let j = 0; j < k; j++) mean[j] /= Math.max(n, 1);
  const C = new Float64Array(k * k);  // C = Σ (f−μ)(f−μ)ᵀ, upper triangle then mirrored
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) row[j] = F[i * k + j] - mean[j];
    for (let a = 0; a < k; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < k; b++) C[a * k + b] += ra * row[b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) C[a * k + b] = C[b * k + a];
  const axes = [];
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(k).map((_, j) => 1 + ((j * 7919 + c * 104729) % 13) / 13);  // deterministic start
    for (let it = 0; it < 100; it++) {
      const w = new Float64Array(k);
      for (let a = 0; a < k; a++) { let s = 0; for (let b = 0; b < k; b++) s += C[a * k + b] * v[b]; w[a] = s; }
      for (const u of axes) {  // deflate: stay orthogonal to the axes already found
        const d = w.reduce((s, x, j) => s + x * u[j], 0);
        for (let j = 0; j < k; j++) w[j] -= d * u[j];
      }
      const norm = Math.hypot(...w);
      if (!(norm > 0)) break;
      v = w.map((x) => x / norm);
    }
    axes.push(v);
  }
  return { mean, axes };
}

/**
 * The map's points for a model: {payload: {ids, titles, x, y, counts}, transfer}. counts: interactions per item
 * aligned with model.itemIds() (or null when the data is not the model's); titleOf(id) → title or ''.
 */
export function embedding(model, counts, titleOf) {
  const n = model.numItems, k = model.factors;
  const F = model.itemFactors();
  const ids = model.itemIds();
  const { mean, axes } = pca2(F, n, k);
  let order = ids.map((_, i) => i);
  if (counts) order.sort((a, b) => counts[b] - counts[a]);
  order = order.slice(0, MAP_POINTS);
  const x = new Float32Array(order.length), y = new Float32Array(order.length);
  order.forEach((i, p) => {
    let sx = 0, sy = 0;
    for (let j = 0; j < k; j++) { const d = F[i * k + j] - mean[j]; sx += d * axes[0][j]; sy += d * axes[1][j]; }
    x[p] = sx; y[p] = sy;
  });
  const pointIds = order.map((i) => ids[i]);
  return { payload: { ids: pointIds, titles: pointIds.map(titleOf), x, y,
                      counts: counts ? order.map((i) => counts[i]) : null },
           transfer: [x.buffer, y.buffer] };
}
