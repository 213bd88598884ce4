/* The "pagefind.js" that Pagefind UI imports on the search page (search.js sets its bundlePath
   here and hands it pagefind/shards.json as the `shards` option): it searches every shard of the
   index and answers as one whole Pagefind index over the same posts would.

   Pagefind's own mergeIndex does not: each shard answers alone. A shard holding no word that
   starts with a query term falls back to the longest word the term starts with ("artery" finds
   "a", Pagefind PR #315) although other shards hold the term, and a shard holding neither drops
   the term; and each shard ranks with its own BM25 statistics (pages, average page length,
   pages holding the term).

   So each shard is opened as an index of its own in Pagefind's web worker (shard-00's
   pagefind-worker.js, sent the messages Pagefind's own pagefind.js sends it) in Pagefind's
   playground mode, which reports each result's matched words and ranking inputs. Then, per
   query term, as Pagefind's find_word_extensions would over all shards at once: the words
   starting with the term's stem if any shard has one, else the longest word the stem starts
   with, else none; a shard that matched any term otherwise is left out, its results and its
   filter counts. The results kept are scored again with Pagefind's formula (search_term in
   pagefind_web/src/search.rs, in f32) over the whole index's statistics: pages and words from
   shards.json, pages per term summed over the shards kept. Written against Pagefind 1.5.

   What may still differ from a whole index: the order of pages whose scores are exactly equal
   (Pagefind's own sort leaves it open), and, for a term with many extensions, which of them
   match ("the": their, them...): a whole index sees only the words inside the index chunk(s)
   it loads for the term, and the shards' chunks end elsewhere. tests/test_search_shards.py
   and benchmarks/README.md give the measured difference. */

const RANKING = {                   // Pagefind 1.5's defaults, set so that both sides use them
  termSimilarity: 1.0, pageLength: 0.75, termSaturation: 1.4, termFrequency: 1.0,
  diacriticSimilarity: 0.8, metaWeights: { title: 5.0 },
};
const f32 = Math.fround;
const PUNCTUATION = /^\p{Pd}|\p{Pe}|\p{Pf}|\p{Pi}|\p{Po}|\p{Ps}$/u;    // as Pagefind strips it
const EXACT = /^\s*".+"\s*$/;
const NONE = { size: 0 };           // a term's match in a shard: none, a prefix, its extensions
const EXTENSIONS = { size: Infinity };

let settings = {};
let started = null;                 // Promise of the opened index, once `shards` is given
let latest = 0;

/* -- Pagefind's web worker ---------------------------------------------------------------- */

function connect(url) {
  const worker = new Worker(url);
  const pending = new Map();
  let next = 0;
  worker.addEventListener("message", (event) => {
    const { id, result, error } = event.data;
    const waiting = pending.get(id);
    if (!waiting) { return; }
    pending.delete(id);
    if (error) { waiting.reject(new Error(error)); } else { waiting.resolve(result); }
  });
  const call = (instanceId, method, args) => new Promise((resolve, reject) => {
    const id = `shards_${next++}`;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, instanceId, method, args });
  });
  const released = new FinalizationRegistry(
    ({ shard, dataId }) => call(shard, "releaseData", [dataId]).catch(() => {}));
  return { worker, call, released };
}

async function open({ bundle, listing }) {
  const worker = connect(`${bundle}${listing.primary}pagefind-worker.js`);
  const language = (document.documentElement.getAttribute("lang") || "unknown").toLowerCase();
  const shards = listing.shards.map((shard, n) => ({
    id: `shard_${n}`, path: bundle + shard.path, pages: shard.pages, words: shard.words,
  }));
  const start = async (shard) => {
    await worker.call(shard.id, "init", [{
      basePath: shard.path, baseUrl: settings.baseUrl, excerptLength: settings.excerptLength,
      ranking: RANKING, language,
    }]);
    await worker.call(shard.id, "enterPlaygroundMode", []);
  };
  // The primary loads Pagefind's WebAssembly; the others' wasm files are empty and reuse it.
  const primary = shards.find((s) => bundle + listing.primary === s.path);
  await start(primary);
  await Promise.all(shards.filter((s) => s !== primary).map(start));
  return {
    ...worker, shards,
    pages: shards.reduce((sum, s) => sum + s.pages, 0),
    words: shards.reduce((sum, s) => sum + s.words, 0),
  };
}

/* -- the module's API, as Pagefind UI calls it --------------------------------------------- */

export async function options(opts) {
  settings = { ...settings, ...opts };
  if (opts.shards && !started) { started = open(opts.shards); }
}

export async function init() {
  if (started) { await started; }
}

export async function mergeIndex() {
  throw new Error("the sharded search index merges its own shards (pagefind/shards.json)");
}

export async function destroy() {
  if (started) { (await started).worker.terminate(); }
  started = null;
}

export async function filters() {
  const index = await started;
  const all = await Promise.all(index.shards.map((s) => index.call(s.id, "filters", [])));
  return mergeCounts(all, all);
}

export async function preload(term, opts = {}) {
  const index = await started;
  await Promise.all(index.shards.map((s) => index.call(s.id, "preload", [term, opts])));
}

export async function debouncedSearch(term, opts = {}, ms = 300) {
  const mine = ++latest;
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (mine !== latest) { return null; }
  const found = await search(term, opts);
  return mine === latest ? found : null;
}

export async function search(term, opts = {}) {
  const index = await started;
  const asked = { filters: opts.filters || {}, sort: opts.sort || {} };
  const answers = await Promise.all(
    index.shards.map((s) => index.call(s.id, "search", [term, asked])));
  const ranked = term !== null && !EXACT.test(term) && !Object.keys(asked.sort).length
    && answers[0].search_keywords && answers[0].query_term_idfs;
  const kept = ranked ? await asOneIndex(index, answers, queryWords(term))
    : answers.map(() => true);
  return respond(index, answers, kept);
}

/* -- one index's terms, out of the shards' --------------------------------------------------- */

async function asOneIndex(index, answers, words) {
  const stems = answers[0].search_keywords;
  const matches = await Promise.all(index.shards.map(
    (shard, k) => termMatches(index, shard, answers[k], stems, words)));
  const best = stems.map((_, i) => matches.reduce(
    (top, found) => (found.match[i].size > top.size ? found.match[i] : top), NONE));
  const kept = matches.map((found) => found.match.every((m, i) => m.size === best[i].size));
  const pages = stems.map((_, i) => matches.reduce(
    (sum, found, k) => sum + (found.match[i].size === best[i].size ? found.pages[i] : 0), 0));
  const whole = { pages: index.pages, words: index.words, termPages: pages, stems, best,
                  query: words };
  answers.forEach((answer, k) => {
    if (kept[k]) { answer.results.forEach((r) => { r.score = score(r, whole); }); }
  });
  return kept;
}

/* How a shard matched each term (NONE, a prefix word, EXTENSIONS) and its pages per term.
   A shard whose results do not show it (none passed the filters or the other terms) is asked
   for that term alone, unfiltered. */
async function termMatches(index, shard, answer, stems, words) {
  const pages = answer.query_term_idfs.map((q) => pagesWithTerm(q.idf, shard.pages));
  const match = await Promise.all(stems.map(async (stem, i) => {
    if (!pages[i]) { return NONE; }
    let shown = answer.results[0];
    if (!shown && words.length === stems.length) {
      const alone = await index.call(shard.id, "search", [words[i], {}]);
      shown = alone.results[0];
    }
    return shown ? termMatch(shown.scores || [], stem) : EXTENSIONS;
  }));
  return { match, pages };
}

function termMatch(scores, stem) {
  const matched = scores.map((s) => s.search_term);
  if (matched.some((w) => w.startsWith(stem))) { return EXTENSIONS; }
  const prefixes = matched.filter((w) => stem.startsWith(w)).sort((a, b) => b.length - a.length);
  return prefixes.length ? { size: prefixes[0].length, word: prefixes[0] } : EXTENSIONS;
}

/* The pages holding a term in a shard of `total` pages, from the IDF Pagefind reports for it. */
function pagesWithTerm(idf, total) {
  const r = Math.exp(idf) - 1;
  return Math.max(0, Math.round((total + 0.5 - 0.5 * r) / (r + 1)));
}

/* The query's words as Pagefind sees them before stemming: lower case, punctuation dropped. */
function queryWords(term) {
  return [...term].filter((c) => !PUNCTUATION.test(c)).map((c) => c.toLocaleLowerCase())
    .join("").replace(/\s{2,}/g, " ").trim().split(" ");
}

/* -- Pagefind's score, with the whole index's statistics ------------------------------------- */

function idf(pages, withTerm) {
  const ratio = f32(f32(f32(f32(pages) - f32(withTerm)) + 0.5) / f32(f32(withTerm) + 0.5));
  return f32(Math.log(f32(ratio + 1)));
}

function termFrequency(weighted, length, average) {
  const k1 = f32(RANKING.termSaturation), b = f32(RANKING.pageLength);
  const tf = f32(RANKING.termFrequency);
  const bm25 = f32(f32(f32(k1 + 1) * weighted)
    / f32(f32(k1 * f32(f32(1 - b) + f32(b * f32(length / average)))) + weighted));
  const raw = Math.min(f32(weighted / f32(average / 5)), f32(k1 + 1));
  return f32(f32(f32(1 - tf) * raw) + f32(tf * bm25));
}

function termOf(word, whole) {
  const i = whole.stems.findIndex((stem, n) => (whole.best[n] === EXTENSIONS
    ? word.startsWith(stem) : word === whole.best[n].word));
  return Math.max(i, 0);
}

function score(result, whole) {
  const average = f32(f32(whole.words) / f32(whole.pages));
  const idfs = whole.termPages.map((n) => idf(whole.pages, n));
  const bonus = f32(1 + RANKING.diacriticSimilarity);
  let total = 0;
  for (const s of result.scores || []) {
    const i = termOf(s.search_term, whole);
    const weighted = f32(s.params.weighted_term_frequency * s.params.length_bonus);
    const original = whole.query[i] || "";
    const word = s.search_term;
    const alike = word.startsWith(original) || original.startsWith(word);
    const points = f32(idfs[i] * termFrequency(weighted, result.params.document_length, average));
    total = f32(total + (alike ? f32(points * bonus) : points));
  }
  const queryIdf = idfs.reduce((sum, x) => f32(sum + x), 0);
  for (const meta of result.verbose_meta_scores || []) {
    const matched = meta.matched_terms.reduce((sum, w) => f32(sum + idfs[termOf(w, whole)]), 0);
    const coverage = f32(matched / queryIdf);
    if (queryIdf > 0) {
      total = f32(total + f32(f32(f32(meta.field_weight * matched) * coverage) * coverage));
    }
  }
  return total;
}

/* -- the answer Pagefind UI reads --------------------------------------------------------- */

function respond(index, answers, kept) {
  const results = [];
  answers.forEach((answer, k) => {
    const shard = index.shards[k].id;
    for (const r of answer.results) {
      if (!kept[k]) { index.call(shard, "releaseData", [r.data]).catch(() => {}); continue; }
      const result = { id: r.id, score: r.score, words: r.words,
                       data: () => index.call(shard, "getData", [r.data]) };
      index.released.register(result, { shard, dataId: r.data });
      results.push(result);
    }
  });
  results.sort((a, b) => b.score - a.score);
  const counted = answers.filter((_, k) => kept[k]);
  return {
    results,
    unfilteredResultCount: counted.reduce((sum, a) => sum + a.unfilteredResultCount, 0),
    filters: mergeCounts(answers.map((a) => a.filters), counted.map((a) => a.filters)),
    totalFilters: mergeCounts(answers.map((a) => a.totalFilters),
                              counted.map((a) => a.totalFilters)),
    timings: answers.map((a) => a.timings),
  };
}

/* Filter counts summed over `counted`, listing every value any of `all` names (as one index
   lists each of its values, with 0 where no result has it). */
function mergeCounts(all, counted) {
  const merged = {};
  for (const counts of all) {
    for (const [name, values] of Object.entries(counts || {})) {
      merged[name] = merged[name] || {};
      for (const value of Object.keys(values)) { merged[name][value] = 0; }
    }
  }
  for (const counts of counted) {
    for (const [name, values] of Object.entries(counts || {})) {
      for (const [value, n] of Object.entries(values)) { merged[name][value] += n; }
    }
  }
  return merged;
}
