// Small files of the shapes people drop on the page, made on the fly (no data is copied into the project):
// MovieLens-like ratings with titles (accents, quotes), Last.fm-like play counts with artists.dat, Book-Crossing-
// like `;` Latin-1 0-10 ratings, bare user-item pairs, and .zip / .gz containers of them.
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';

/** A deterministic generator (LCG), so every run makes the same files. */
export function rng(seed = 1) {
  let s = BigInt(seed);
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(s >> 33n) / 2 ** 31;
  };
}

/**
 * Interactions with taste groups (so a model has something to learn): user u likes group u % groups; each user
 * has `perUser` distinct items, mostly from their group. Returns [{user, item, value, time}] with value from
 * `value(r, liked)`.
 */
export function interactions({ users, items, perUser, groups = 5, seed = 7, value = (r) => 1 + Math.floor(r() * 5) }) {
  const r = rng(seed);
  const out = [];
  for (let u = 0; u < users; u++) {
    const seen = new Set();
    while (seen.size < Math.min(perUser, items)) {
      const liked = r() < 0.8;
      let i = Math.floor(r() * items);
      if (liked) i = (Math.floor(i / groups) * groups + (u % groups)) % items;
      if (seen.has(i)) continue;
      seen.add(i);
      out.push({ user: u + 1, item: i + 1, value: value(r, liked), time: 1_000_000_000 + u * 1000 + seen.size });
    }
  }
  return out;
}

/** MovieLens ratings.csv + movies.csv (titles with accents and commas). */
export function movielensLike({ users = 120, items = 300, perUser = 25, seed = 7 } = {}) {
  const rows = interactions({ users, items, perUser, seed, value: (r, liked) => (liked ? 4 : 1) + Math.floor(r() * 2) });
  const ratings = ['userId,movieId,rating,timestamp', ...rows.map((x) => `${x.user},${x.item},${x.value},${x.time}`)];
  const movies = ['movieId,title,genres'];
  for (let i = 1; i <= items; i++) {
    const title = i === 1 ? 'Misérables, Les (1995)' : i === 2 ? '"Great Performances" Cats (1998)' : `Film ${i} (${1950 + (i % 60)})`;
    movies.push(`${i},${/[",]/.test(title) ? `"${title.replace(/"/g, '""')}"` : title},Drama`);
  }
  return { ratings: ratings.join('\n') + '\n', movies: movies.join('\n') + '\n', rows };
}

/** MovieLens 100K: u.data (tab, no header) and u.item (|, 24 fields, Latin-1 allowed). */
export function ml100kLike({ users = 80, items = 200, perUser = 20, seed = 11 } = {}) {
  const rows = interactions({ users, items, perUser, seed });
  const data = rows.map((x) => `${x.user}\t${x.item}\t${x.value}\t${x.time}`).join('\n') + '\n';
  const flags = (i) => Array.from({ length: 19 }, (_, g) => (g === i % 19 ? 1 : 0)).join('|');
  const item = Array.from({ length: items }, (_, k) => `${k + 1}|Movie ${k + 1} (19${50 + (k % 50)})|01-Jan-1995||` +
    `http://example.org/${k + 1}|${flags(k)}`).join('\n') + '\n';
  return { data, item, rows };
}

/** Last.fm hetrec: user_artists.dat (userID, artistID, weight = plays) and artists.dat (id, name, url, pictureURL). */
export function lastfmLike({ users = 150, items = 400, perUser = 30, seed = 5 } = {}) {
  // Play counts spread over five orders of magnitude, as real listening counts do.
  const rows = interactions({ users, items, perUser, seed, value: (r) => Math.max(1, Math.round(Math.exp(r() * 11))) });
  const plays = ['userID\tartistID\tweight', ...rows.map((x) => `${x.user}\t${x.item}\t${x.value}`)].join('\n') + '\n';
  const names = ['"Weird Al" Yankovic', 'MALICE MIZER', 'Björk', 'Sigur Rós', 'Miyavi'];
  const artists = ['id\tname\turl\tpictureURL', ...Array.from({ length: items }, (_, k) =>
    `${k + 1}\t${names[k] ?? `Artist ${k + 1}`}\thttp://www.last.fm/music/${k + 1}\thttp://img/${k + 1}.jpg`)];
  return { plays, artists: artists.join('\n') + '\n', rows, names };
}

/** Book-Crossing: "User-ID";"ISBN";"Book-Rating", Latin-1, 0 (interacted, no rating) and 1-10. */
export function bookCrossingLike({ users = 100, items = 250, perUser = 15, seed = 3 } = {}) {
  const rows = interactions({ users, items, perUser, seed, value: (r) => (r() < 0.6 ? 0 : 1 + Math.floor(r() * 10)) });
  const isbn = (i) => `0${String(345000000 + i * 7).slice(0, 8)}${i % 11 === 10 ? 'X' : i % 10}`;
  const text = ['"User-ID";"ISBN";"Book-Rating"', ...rows.map((x) => `"${x.user}";"${isbn(x.item)}";"${x.value}"`)]
    .join('\n') + '\n';
  return { ratings: Buffer.from(text, 'latin1'), rows, isbn };
}

/** Bare implicit pairs: user, item (no rating column). */
export function implicitPairs({ users = 100, items = 200, perUser = 20, seed = 9 } = {}) {
  const rows = interactions({ users, items, perUser, seed });
  return { pairs: rows.map((x) => `u${x.user},i${x.item}`).join('\n') + '\n', rows };
}

/** A .zip of {name: text|Buffer} (deflated, as GroupLens zips are). */
export const zip = (files) => Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([name, body]) =>
  [name, typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body)]))));

export const gzip = (body) => gzipSync(typeof body === 'string' ? Buffer.from(body) : body);

/** An input file for page.setInputFiles. */
export const file = (name, body, mimeType = 'application/octet-stream') =>
  ({ name, mimeType, buffer: typeof body === 'string' ? Buffer.from(body) : Buffer.from(body) });
