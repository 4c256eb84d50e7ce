// Files as people have them: plain text, .gz, .zip (the GroupLens downloads ml-latest-small.zip, ml-1m.zip,
// ml-100k.zip), model files. unpack() turns a picked or dropped file into named text entries; chooseEntries()
// decides which entry holds the ratings and which the titles from their content (a name only breaks ties between
// files that read both ways) and says, for every entry, what it was taken as and why.
import { gunzipSync, unzipSync } from './vendor/fflate.js';
import { ErrorCode } from './protocol.js';
import { fail, MAX_FILE_BYTES } from './engine.js';

const HEAD_BYTES = 64 * 1024;   // what the engine's sniffer reads too
const MAX_SNIFFED_ENTRIES = 12;  // archive members read to find the data when no name says what it is

/** 'zip' | 'gzip' | 'model' | 'text', from the first bytes. */
export function containerOf(bytes) {
  const b = bytes;
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) return 'zip';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b[0] === 0x41 && b[1] === 0x4c && b[2] === 0x53 && b[3] === 0x52) return 'model';  // "ALSR"
  return 'text';
}

const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
const tooLarge = (name, size) => fail(ErrorCode.TOO_LARGE, `${name} unpacks to ${(size / 1024 ** 3).toFixed(1)} GB: ` +
  'too large for a browser tab (WebAssembly memory stops near 2 GB). Use the alsrec command-line tool.');

/** A text entry: {name, from, size, bytes()} (bytes are unpacked on first use and kept). */
function entry(name, from, size, unpackBytes) {
  let bytes = null;
  return { name, from, size, bytes: () => (bytes ||= unpackBytes()) };
}

/** The text entries of one file (its bytes already read); `kind` from containerOf. */
export function unpack(name, bytes, kind) {
  if (kind === 'gzip') {
    let out;
    try {
      out = gunzipSync(bytes);
    } catch (error) {
      fail(ErrorCode.BAD_INPUT, `${name} is not a readable gzip file (${error?.message || error}).`);
    }
    if (out.length > MAX_FILE_BYTES) tooLarge(name, out.length);
    const inner = name.replace(/\.t?gz$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : ''));
    if (containerOf(out) !== 'text' || /\.tar$/i.test(inner)) {
      fail(ErrorCode.BAD_INPUT, `${name} holds an archive (${/\.tar$/i.test(inner) ? 'tar' : containerOf(out)}), not ` +
        'a text file: unpack it first, or use a .zip.');
    }
    return [entry(inner, name, out.length, () => out)];
  }
  if (kind === 'zip') {
    const listed = [];
    try {
      unzipSync(bytes, { filter: (f) => { listed.push(f); return false; } });
    } catch (error) {
      fail(ErrorCode.BAD_INPUT, `${name} is not a readable zip file (${error?.message || error}).`);
    }
    const files = listed.filter((f) => !f.name.endsWith('/') && !/(^|\/)(__MACOSX\/|\.)/.test(f.name));
    if (!files.length) fail(ErrorCode.BAD_INPUT, `${name} holds no files.`);
    return files.map((f) => entry(f.name, name, f.originalSize, () => {
      if (f.originalSize > MAX_FILE_BYTES) tooLarge(`${f.name} in ${name}`, f.originalSize);
      try {
        return unzipSync(bytes, { filter: (g) => g.name === f.name })[f.name];
      } catch (error) {
        fail(ErrorCode.BAD_INPUT, `${f.name} in ${name} could not be unpacked (${error?.message || error}).`);
      }
    }));
  }
  return [entry(name, '', bytes.length, () => bytes)];
}

// Names only break ties (and pick among many members of an archive): GroupLens, Last.fm, Book-Crossing...
const RATINGS_NAME = /rating|^u\.data$|user_?artists|interactions|plays|listens|^u\d?\.(base|test)$/i;
const TITLES_NAME = /movies|^u\.item$|items?\b|titles?|artists|books|tracks|songs|products|catalog/i;
const hint = (e) => {
  const base = baseName(e.name);
  return RATINGS_NAME.test(base) ? 'ratings' : TITLES_NAME.test(base) ? 'titles' : '';
};
const DATA_LIKE = /\.(csv|tsv|dat|data|txt|tab|item|base|test|psv)$|^[^.]+$/i;

/** A title reads like a name: it has a letter, and spaces or no digits ("Toy Story (1995)", "Miyavi"; not "034545104X"). */
const titleLike = (s) => /\p{L}/u.test(s) && (/\s/.test(s) || !/\d/.test(s));

/** The first 64 KB up to the last complete line (when there is more), so the sniffers see whole rows. */
function head(bytes) {
  if (bytes.length <= HEAD_BYTES) return bytes;
  const h = bytes.subarray(0, HEAD_BYTES);
  const nl = h.lastIndexOf(0x0a);
  return nl > 0 ? h.subarray(0, nl + 1) : h;
}

/**
 * How an entry reads, from its first 64 KB: as ratings (the reader loads it with at most 5% bad rows) and/or as
 * titles (the catalogue reader finds ids and titles, most of which read like names). kind: 'ratings' | 'titles'
 * | 'either' | 'neither'.
 */
export function sniffEntry(api, e) {
  const bytes = head(e.bytes());
  let ratings = null, titles = null;
  try {
    const ds = api.loadRatings(bytes, { sourceName: e.name });
    try { ratings = ds.summary(); } finally { ds.delete(); }
  } catch { /* not ratings */ }
  try {
    const items = api.loadItems(bytes, { sourceName: e.name, maxBadFraction: 0.25 });
    const share = items.filter((it) => titleLike(it.title)).length / items.length;
    if (share >= 0.5) titles = { count: items.length, share };
  } catch { /* not titles */ }
  let kind = ratings ? (titles ? 'either' : 'ratings') : titles ? 'titles' : 'neither';
  if (kind === 'either') {
    // Both readers accept it (ids that are words, e.g. "u1<TAB>ABBA<TAB>7", or users.dat): the name says, else
    // repeated first-column ids (users with several ratings) say ratings.
    kind = hint(e) || (ratings.users < 0.9 * ratings.interactions ? 'ratings' : 'titles');
  }
  return { kind, ratings, titles };
}

const describeRatings = (s) => `${s.hasRatings ? 'user, item, rating' : 'user, item pairs'}${
  s.format.header ? ', with a header' : ''}`;

/**
 * Which entries to load. `as`: 'ratings' (the ratings input: a plain file is the ratings, an archive is searched
 * for ratings and titles), 'titles' (the titles input) or 'auto' (dropped files). Returns {ratings, titles,
 * report: [{name, from, role, why}]}; role is 'ratings' | 'titles' | 'unused'.
 */
export function chooseEntries(api, entries, as) {
  const plain = entries.length === 1 && !entries[0].from;
  if (plain && as !== 'auto') {
    const role = as;
    return { [role]: entries[0], [role === 'ratings' ? 'titles' : 'ratings']: null,
             report: [{ name: entries[0].name, from: '', role, why: `picked as the ${role} file` }] };
  }
  // Read the members a name points to first; the others only if that found nothing, and a bounded number of them.
  const ordered = [...entries].sort((a, b) => Number(Boolean(hint(b))) - Number(Boolean(hint(a))) || b.size - a.size);
  const sniffed = new Map();
  const sniff = (e) => {
    if (!sniffed.has(e)) sniffed.set(e, sniffEntry(api, e));
    return sniffed.get(e);
  };
  const candidates = (list) => list.filter((e) => entries.length === 1 || DATA_LIKE.test(baseName(e.name)));
  const pick = (role, list, exclude) => {
    const scored = [];
    for (const e of list) {
      if (e === exclude) continue;
      const s = sniff(e);
      if (s.kind === role) scored.push({ e, s, score: (hint(e) === role ? 2 : 0) + (role === 'titles' ? s.titles.share : 1) });
    }
    scored.sort((a, b) => b.score - a.score || b.e.size - a.e.size);
    return scored[0]?.e || null;
  };
  const hinted = candidates(ordered.filter((e) => hint(e)));
  const rest = candidates(ordered.filter((e) => !hint(e))).slice(0, MAX_SNIFFED_ENTRIES);
  let ratings = as === 'titles' ? null : pick('ratings', hinted) || pick('ratings', rest);
  let titles = pick('titles', hinted, ratings) || pick('titles', rest, ratings);
  if (!ratings && !titles && entries.length === 1) {  // one file that fits neither: its reader will say why
    if (as === 'titles') titles = entries[0];
    else ratings = entries[0];
  }
  const report = entries.map((e) => {
    const s = sniffed.get(e);
    if (e === ratings) {
      return { name: e.name, from: e.from, role: 'ratings',
               why: s?.ratings ? `reads as ${describeRatings(s.ratings)}` : 'tried as ratings: nothing else fits' };
    }
    if (e === titles) return { name: e.name, from: e.from, role: 'titles', why: 'reads as item ids with titles' };
    const why = !s ? 'not read: the files named like ratings and titles were enough' : s.kind === 'neither'
      ? 'reads as neither ratings nor titles'
      : `also reads as ${s.kind}; ${(s.kind === 'ratings' ? ratings : titles)?.name || 'another file'} was used`;
    return { name: e.name, from: e.from, role: 'unused', why };
  });
  return { ratings, titles, report };
}
