// Section "Rate a few yourself": stars for items you know, recommendations by fold-in against the trained item
// vectors, and for each one the liked item that adds most to its score (the engine's explain). Only 4★ and 5★
// count as liking (values.js: likedValue); lower stars hide an item without being a like.
import { Request } from './protocol.js';
import { $, bump, keepingFocus, K, showError, ui } from './page.js';
import { itemTitle, searchItems } from './catalogue.js';
import { itemEntry } from './results-section.js';
import { LIKE_FROM, likedValue } from './values.js';

const myRatings = new Map();  // item id → stars (1-5)
let foldInSeq = 0;

function starButtons(itemId, label) {
  const group = document.createElement('div');
  group.className = 'stars';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', `Your rating for ${label}`);
  const current = myRatings.get(itemId) || 0;
  for (let s = 1; s <= 5; s++) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `star${s <= current ? ' on' : ''}`;
    b.textContent = '★';
    b.dataset.stars = String(s);
    b.dataset.focusKey = `star:${itemId}:${s}`;
    b.setAttribute('aria-label', `${s} star${s > 1 ? 's' : ''}`);
    b.setAttribute('aria-pressed', String(s === current));
    b.addEventListener('click', () => setMyRating(itemId, s));
    group.append(b);
  }
  return group;
}

function renderRateLists() {
  const q = $('rate-query').value.trim();
  // The most rated items until one searches; items stay listed with their stars once rated (the focus stays too).
  const ids = searchItems(q, 8);
  const list = $('rate-matches');
  list.replaceChildren();
  if (!ids.length) list.innerHTML = `<li class="muted">${q ? 'No match.' : 'Search for items you know.'}</li>`;
  for (const id of ids) {
    const li = document.createElement('li');
    li.dataset.itemId = id;
    const name = document.createElement('span');
    name.className = 'item-title';
    name.textContent = itemTitle(id);
    li.append(name, starButtons(id, itemTitle(id)));
    list.append(li);
  }
  $('rate-query').setAttribute('aria-label', q ? `Find items to rate, ${ids.length} shown` : 'Find items to rate');
  const mine = $('my-ratings');
  mine.replaceChildren();
  if (!myRatings.size) mine.innerHTML = '<li class="muted">None yet: press the stars next to an item.</li>';
  for (const [id, stars] of myRatings) {
    const li = document.createElement('li');
    li.dataset.itemId = id;
    const name = document.createElement('span');
    name.className = 'item-title';
    name.textContent = `${itemTitle(id)} `;
    const value = document.createElement('span');
    value.className = 'item-meta';
    value.textContent = `${'★'.repeat(stars)}${stars >= LIKE_FROM ? ' · liked' : ' · not a like'}`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'ghost small-btn';
    remove.textContent = 'Remove';
    remove.dataset.focusKey = `remove:${id}`;
    remove.setAttribute('aria-label', `Remove your rating of ${itemTitle(id)}`);
    remove.addEventListener('click', () => {
      myRatings.delete(id);
      keepingFocus(renderRateLists, $('rate-query'));
      refreshFoldIn();
    });
    li.append(name, value, remove);
    mine.append(li);
  }
}

/** Re-draw the lists (new titles, a new model): the person's stars stay. */
export function renderRate() {
  keepingFocus(renderRateLists);
  refreshFoldIn();
}

function setMyRating(itemId, stars) {
  myRatings.set(itemId, stars);
  keepingFocus(renderRateLists);
  refreshFoldIn();
}

async function refreshFoldIn() {
  const list = $('rate-recommendations');
  // The model's data tells what a like weighs (its value scale); a model loaded without it takes stars as they are.
  const values = ui.model?.matchesData ? ui.profile?.values : null;
  const likes = [...myRatings].map(([itemId, stars]) => ({ itemId, value: likedValue(stars, values,
    ui.model?.params.values) })).filter((r) => r.value !== null);
  const empty = (text) => {
    list.replaceChildren();
    list.innerHTML = '<li class="muted empty"></li>';
    list.firstChild.textContent = text;
  };
  if (!ui.hasModel || !likes.length) {
    empty(myRatings.size ? `Rate at least one item ${LIKE_FROM}★ or more: lower stars only hide an item.`
      : 'Rate at least one item.');
    if (ui.hasModel) bump('foldin');
    return;
  }
  const seq = ++foldInSeq;
  try {
    const result = await ui.client.request(Request.FOLD_IN, { likes, exclude: [...myRatings.keys()], n: K });
    if (seq !== foldInSeq) return;
    if (!result.items.length) empty('No recommendations.');
    else {
      list.replaceChildren(...result.items.map((it) => itemEntry(it, it.because
        ? `because you liked ${it.because.title || `item ${it.because.itemId}`}` : `score ${it.score.toFixed(3)}`)));
      result.items.forEach((it, i) => { list.children[i].dataset.because = it.because?.itemId ?? ''; });
    }
    bump('foldin');
  } catch (error) {
    if (seq === foldInSeq) showError(error, 'Could not compute your recommendations');
  }
}

export function initRate() {
  $('rate-query').addEventListener('input', () => keepingFocus(renderRateLists));
}
