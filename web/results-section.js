// Section "Results": the metrics table against popularity, a user's recommendations beside what they rated,
// similar items, the map of items (mouse and keyboard), and what the model has to do with the loaded data.
import { Request } from './protocol.js';
import { $, bump, chartColors, clearError, fmt, K, renumberSteps, showError, ui } from './page.js';
import { catalogueSize, itemTitle, searchItems, setCatalogue } from './catalogue.js';
import { showValue } from './data-section.js';

let mapChart = null;
let mapPoints = null;  // {ids, titles, counts, x, y} of the drawn map
let mapActive = -1;
let userSeq = 0;

// --- the model and the data ------------------------------------------------------------------------------------

/** In words: whether the loaded ratings (and their titles) are the model's own data. */
export function renderModelRelation(status) {
  const el = $('model-relation');
  if (!status) { el.textContent = ''; return; }
  el.dataset.matches = String(status.matchesData);
  el.textContent = status.matchesData
    ? 'The loaded ratings are the data this model was trained on: titles and what each user rated come from them.'
    : !status.hasData ? 'No ratings are loaded with this model: load the file it was trained on to see what each ' +
      'user rated and its titles.'
    : !status.fingerprintKnown ? 'This model file does not record which data it was trained on, so the loaded ' +
      'ratings and titles are not used with it.'
    : `This model was trained on other data than ${ui.dataName} (the data fingerprints differ): it is kept, and its ` +
      'recommendations are shown without the loaded titles or rated lists. Train to get a model of the loaded data.';
}

export function modelReady(result, line) {
  ui.hasModel = true;
  ui.model = result.model;
  setCatalogue(result.catalogue);
  ui.users = result.users;
  $('model-line').textContent = line;
  renderModelRelation(result.model);
  renderMetrics(result.metrics);
  $('recommendations').replaceChildren();
  delete $('recommendations').dataset.userId;
  $('rated').replaceChildren();
  fillUserOptions('');
  $('results').hidden = false;
  $('rate').hidden = false;
  renumberSteps();
  // The map (a few thousand points) is drawn in its own task so that the lists appear first.
  setTimeout(() => renderMap(result.embedding), 0);
  const first = ui.users[0];
  if (first !== undefined) {
    $('user-select').value = first;
    showUser(first);
  }
  const topItem = catalogueSize() ? searchItems('', 1)[0] : undefined;
  if (topItem !== undefined) showSimilar(topItem);
  bump('model');
}

/** The data or its titles changed under a kept model: new titles, relation and lists. */
export function refreshAfterDataChange(result) {
  if (!ui.hasModel || !result.model) return;
  setCatalogue(result.catalogue);
  ui.model = { ...ui.model, ...result.model };
  renderModelRelation(result.model);
  const user = $('recommendations').dataset.userId;
  if (user) showUser(user);
  const similar = $('similar').dataset.itemId;
  if (similar) showSimilar(similar);
}

// --- metrics -----------------------------------------------------------------------------------------------------

const METRIC_ROWS = [['recall', 'Recall@10'], ['precision', 'Precision@10'], ['ndcg', 'NDCG@10'], ['map', 'MAP@10'],
                     ['hitRate', 'Hit rate@10'], ['auc', 'AUC'], ['coverage', 'Coverage']];

function renderMetrics(metrics) {
  const box = $('metrics');
  box.replaceChildren();
  if (!metrics) {
    box.innerHTML = '<p class="muted">Evaluation was off (or the model was loaded from a file), so there are no ' +
      'metrics. Tick “Hold out 20% to evaluate” and train to see them.</p>';
    return;
  }
  const ease = metrics.ease && !metrics.ease.error ? metrics.ease : null;
  const table = document.createElement('table');
  table.className = ease ? 'metrics-table with-ease' : 'metrics-table';
  table.innerHTML = `<caption>Ranking quality on held-out ratings (${fmt.int(metrics.als.users)} users with ` +
    'held-out items), from the model trained on the other 80%</caption><thead><tr><th scope="col">Metric</th>' +
    '<th scope="col">ALS</th><th scope="col">Most popular</th><th scope="col">ALS vs popular</th>' +
    `${ease ? '<th scope="col">EASE</th>' : ''}</tr></thead>`;
  const body = table.createTBody();
  for (const [key, label] of METRIC_ROWS) {
    const a = metrics.als[key], p = metrics.popularity[key];
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    tr.append(th);
    tr.insertCell().textContent = fmt.num(a);
    tr.insertCell().textContent = fmt.num(p);
    const lift = tr.insertCell();
    lift.textContent = p > 0 ? `×${(a / p).toFixed(2)}` : '–';
    lift.className = a >= p ? 'better' : 'worse';
    if (ease) tr.insertCell().textContent = fmt.num(ease[key]);
    tr.dataset.metric = key;
  }
  const note = document.createElement('div');
  note.className = 'metrics-note';
  note.innerHTML = '<p><b>Recall@10</b>: the share of a user’s held-out items found in their top 10. ' +
    '<b>Precision@10</b>: the share of the top 10 that were held-out items. <b>NDCG</b> and <b>MAP</b> also reward ' +
    'hits near the top. <b>Hit rate</b>: users with at least one hit. <b>AUC</b>: how often a held-out item ranks ' +
    'above an unseen one. <b>Coverage</b>: the share of all items that appear in someone’s top 10.</p>' +
    '<p>“Most popular” recommends the same best-known items to everyone: ALS should beat it on most rows. The ' +
    'model you explore and download was then trained again on all the ratings.</p>';
  if (metrics.ease) {
    const p = document.createElement('p');
    p.dataset.testid = 'ease-note';
    p.textContent = ease ? `EASE (Steck 2019, an items × items model; λ ${fmt.param(ease.lambda)} chosen on a ` +
      `validation split of the training part) took ${fmt.seconds(ease.seconds)}: a strong simple reference.`
      : `EASE was not computed: ${metrics.ease.error}`;
    note.append(p);
  }
  box.append(table, note);
}

// --- a user's recommendations, similar items -------------------------------------------------------------------

function fillUserOptions(prefix) {
  const list = $('user-options');
  list.replaceChildren();
  const matches = [];
  for (const u of ui.users) {
    if (u.startsWith(prefix)) matches.push(u);
    if (matches.length >= 100) break;
  }
  list.append(...matches.map((u) => new Option(u, u)));
}

export function itemEntry(item, extra) {
  const li = document.createElement('li');
  li.dataset.itemId = item.itemId;
  const title = document.createElement('span');
  title.className = 'item-title';
  title.textContent = item.title || `Item ${item.itemId}`;
  li.append(title);
  if (extra) {
    const meta = document.createElement('span');
    meta.className = 'item-meta';
    meta.textContent = extra;
    li.append(meta);
  }
  return li;
}

async function showUser(userId) {
  userId = String(userId).trim();
  if (!userId || !ui.hasModel) return;
  const seq = ++userSeq;
  try {
    const result = await ui.client.request(Request.RECOMMEND, { userId, n: K });
    if (seq !== userSeq) return;
    const recs = $('recommendations');
    recs.replaceChildren(...result.items.map((it) => itemEntry(it, `score ${it.score.toFixed(3)}`)));
    recs.dataset.userId = userId;
    $('recs-heading').textContent = `Top ${K} for user ${userId}`;
    const rated = $('rated');
    if (!result.rated) {
      rated.innerHTML = '<li class="muted">Not known: the loaded ratings are not this model’s data.</li>';
      $('rated-heading').textContent = 'Already rated';
      return;
    }
    rated.replaceChildren(...result.rated.map((it) => itemEntry(it, showValue(it.value))));
    if (result.ratedCount > result.rated.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = `…and ${fmt.int(result.ratedCount - result.rated.length)} more`;
      rated.append(li);
    }
    $('rated-heading').textContent = `Already rated (${fmt.int(result.ratedCount)}, highest first)`;
    clearError();
  } catch (error) {
    if (seq === userSeq) showError(error, `No recommendations for user ${userId}`);
  }
}

async function showSimilar(itemId) {
  if (!ui.hasModel) return;
  try {
    const result = await ui.client.request(Request.SIMILAR, { itemId, n: K });
    $('similar-to').textContent = itemTitle(itemId);
    $('similar').dataset.itemId = itemId;
    $('similar').replaceChildren(...result.items.map((it) => itemEntry(it, `cos ${it.score.toFixed(3)}`)));
  } catch (error) {
    showError(error, 'No similar items');
  }
}

/** A search box that lists matching items as buttons (keyboard: Tab to a result, Enter to pick). */
export function wireItemSearch(input, list, onPick) {
  const render = () => {
    const q = input.value.trim();
    list.replaceChildren();
    if (!q) return;
    const hits = searchItems(q, 8);
    if (!hits.length) {
      list.innerHTML = '<li class="muted">No match.</li>';
      return;
    }
    for (const id of hits) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'match';
      b.textContent = itemTitle(id);
      b.dataset.itemId = id;
      b.addEventListener('click', () => {
        onPick(id);
        list.replaceChildren();
        input.value = '';
        input.focus();  // the picked button is gone: the focus goes back to where the search started
      });
      li.append(b);
      list.append(li);
    }
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      list.querySelector('button')?.click();
    }
  });
}

// --- the map -------------------------------------------------------------------------------------------------------

function renderMap(embedding) {
  if (!window.Chart || !embedding) return;
  const c = chartColors();
  mapPoints = embedding;
  mapActive = -1;
  const points = Array.from(embedding.x, (x, i) => ({ x, y: embedding.y[i] }));
  const labels = embedding.ids.map((id, i) => embedding.titles[i] || `Item ${id}`);
  const counts = embedding.counts;
  const maxLog = counts ? Math.log1p(Math.max(1, ...counts)) : 1;
  const radius = counts ? counts.map((n) => 1.5 + 3.5 * (Math.log1p(n) / maxLog)) : 2.5;
  // Axes span the 1st–99th percentile (+10%): a few far-out items would otherwise squash the rest into a blob.
  const bounds = (values) => {
    const sorted = Float32Array.from(values).sort();
    const lo = sorted[Math.floor(0.01 * (sorted.length - 1))], hi = sorted[Math.ceil(0.99 * (sorted.length - 1))];
    const pad = 0.1 * (hi - lo || 1);
    return { min: lo - pad, max: hi + pad };
  };
  const bx = bounds(embedding.x), by = bounds(embedding.y);
  mapChart?.destroy();
  mapChart = new window.Chart($('map-chart'), {
    type: 'scatter',
    data: { datasets: [{ label: 'Items', data: points, backgroundColor: c.dot, borderColor: 'transparent',
                         pointRadius: radius, pointHoverRadius: 6, pointHoverBackgroundColor: c.accent2 }] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: { x: { ...bx, title: { display: true, text: 'Component 1', color: c.text },
                     ticks: { color: c.text, display: false }, grid: { color: c.grid } },
                y: { ...by, title: { display: true, text: 'Component 2', color: c.text },
                     ticks: { color: c.text, display: false }, grid: { color: c.grid } } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (ctx) => labels[ctx.dataIndex] +
          (counts ? ` · ${fmt.int(counts[ctx.dataIndex])} ratings` : '') } },
      },
      onClick: (_event, elements) => {
        if (elements.length) showSimilar(embedding.ids[elements[0].index]);
      },
    },
  });
}

/** The point nearest to the active one in an arrow's direction (within 45° of it), among the points on screen. */
function nextPoint(key) {
  const meta = mapChart.getDatasetMeta(0).data;
  const area = mapChart.chartArea;
  const onScreen = (p) => p.x >= area.left && p.x <= area.right && p.y >= area.top && p.y <= area.bottom;
  if (mapActive < 0 || key === 'Home') return meta.findIndex(onScreen);
  const [dx, dy] = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
  const from = meta[mapActive];
  let best = -1, bestDistance = Infinity;
  meta.forEach((p, i) => {
    if (i === mapActive || !onScreen(p)) return;
    const ex = p.x - from.x, ey = p.y - from.y;
    const along = ex * dx + ey * dy, across = Math.abs(ex * dy - ey * dx);
    if (along <= 0 || across > along) return;
    const d = Math.hypot(ex, ey);
    if (d < bestDistance) { bestDistance = d; best = i; }
  });
  return best < 0 ? mapActive : best;
}

function wireMapKeyboard() {
  const canvas = $('map-chart');
  canvas.addEventListener('keydown', (e) => {
    if (!mapChart || !mapPoints) return;
    if (['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home'].includes(e.key)) {
      e.preventDefault();
      mapActive = nextPoint(e.key);
      if (mapActive < 0) return;
      const p = mapChart.getDatasetMeta(0).data[mapActive];
      const active = [{ datasetIndex: 0, index: mapActive }];
      mapChart.setActiveElements(active);
      mapChart.tooltip.setActiveElements(active, { x: p.x, y: p.y });
      mapChart.update('none');
      const title = mapPoints.titles[mapActive] || `Item ${mapPoints.ids[mapActive]}`;
      $('map-status').textContent = `${title}${mapPoints.counts ? `, ${fmt.int(mapPoints.counts[mapActive])} ratings`
        : ''}. Enter lists similar items.`;
    } else if ((e.key === 'Enter' || e.key === ' ') && mapActive >= 0) {
      e.preventDefault();
      showSimilar(mapPoints.ids[mapActive]);
    }
  });
}

export function initResults() {
  $('user-form').addEventListener('submit', (e) => { e.preventDefault(); showUser($('user-select').value); });
  $('user-select').addEventListener('input', () => fillUserOptions($('user-select').value.trim()));
  $('user-select').addEventListener('change', () => {
    if (ui.users.includes($('user-select').value.trim())) showUser($('user-select').value);
  });
  $('random-user').addEventListener('click', () => {
    if (!ui.users.length) return;
    const u = ui.users[Math.floor(Math.random() * ui.users.length)];
    $('user-select').value = u;
    showUser(u);
  });
  wireItemSearch($('similar-query'), $('similar-matches'), showSimilar);
  wireMapKeyboard();
}
