// The items the results and rate-yourself sections search and name: ids, titles and popularity of the model's
// items. Search ignores case and accents ("miserables" finds "Les Misérables").
const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

let cat = { ids: [], titles: [], counts: new Int32Array(0), folded: [], index: new Map() };

export function setCatalogue(next) {
  if (!next) return;
  cat = { ...next, folded: next.titles.map((t, i) => fold(`${t} ${next.ids[i]}`)),
          index: new Map(next.ids.map((id, i) => [id, i])) };
}

export const catalogueSize = () => cat.ids.length;

export function itemTitle(itemId, fallback = '') {
  const i = cat.index.get(itemId);
  return (i !== undefined && cat.titles[i]) || fallback || `Item ${itemId}`;
}

/** Items whose title or id contains every word of the query, most rated first. */
export function searchItems(query, limit = 8) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const { ids, counts, folded } = cat;
  const hits = [];
  for (let i = 0; i < ids.length; i++) {
    if (words.every((w) => folded[i].includes(w))) hits.push(i);
  }
  hits.sort((a, b) => counts[b] - counts[a]);
  return hits.slice(0, limit).map((i) => ids[i]);
}
