/**
 * The pure parts of the CMS full-text search: tokens, term weights of a post, query parsing and
 * result snippets. The CMS keeps an inverted index (term → post, weight) in SQL built from these.
 *
 * Tokens: words are runs of Unicode letters, digits and marks. Each is normalised with NFKD, its
 * non-spacing marks stripped (é → e, ü → u, İ → i) and lower-cased; tokens of one character and the
 * English stop words are dropped, and tokens are cut to 40 characters. Han, Hiragana and Katakana are
 * written without spaces, so a run of them is indexed as overlapping pairs of characters (bigrams,
 * as Lucene's CJK analyser does): 全文検索 → 全文, 文検, 検索, and a query for 検索 finds it. A lone
 * CJK character is kept, since it is often a word.
 */
import { invalidInput } from '../../kernel/errors.js';
import { plainText, truncateAtWord } from './render.js';

/** Lucene's English stop words: too common to find anything with. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no',
  'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this',
  'to', 'was', 'will', 'with',
]);

/** Longer tokens are cut to this many characters (code points). */
export const MAX_TOKEN_LENGTH = 40;
/** A query may have at most this many distinct terms. */
export const MAX_QUERY_TERMS = 32;
/** A query may be at most this long, in characters. */
export const MAX_QUERY_LENGTH = 500;

/** Title, tag and body weights of one occurrence of a term. */
export const FIELD_WEIGHTS = Object.freeze({ title: 3, tags: 2, body: 1 });

// CJK letters (not CJK punctuation, which shares the script extensions): without the `v` flag, the
// intersection is a lookahead.
const CJK_CHAR = String.raw`(?=[\p{L}\p{N}\p{M}])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]`;
const RAW_WORD = new RegExp(String.raw`(?:${CJK_CHAR})+|(?:(?!${CJK_CHAR})[\p{L}\p{N}\p{M}])+`, 'gu');
const IS_CJK = new RegExp(`^${CJK_CHAR}`, 'u');
/** A character and the marks that follow it (a decomposed か + ゛ is one). */
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;
/** Compatibility decomposition can put separators into a word (½ → 1⁄2): split there. */
const NOT_WORD = /[^\p{L}\p{N}\p{M}]+/u;

interface Term {
  term: string;
  /** The span of the original text the term came from. */
  start: number;
  end: number;
}

interface RawWord {
  start: number;
  end: number;
  isCjk: boolean;
  terms: Term[];
}

/** NFKD, non-spacing marks stripped, NFC again (so Hangul jamo recompose into syllables), lower case. */
function normalize(text: string): string {
  return text.normalize('NFKD').replace(/\p{Mn}/gu, '').normalize('NFC').toLowerCase();
}

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function capLength(token: string): string {
  return token.length > MAX_TOKEN_LENGTH && codePointLength(token) > MAX_TOKEN_LENGTH
    ? Array.from(token).slice(0, MAX_TOKEN_LENGTH).join('')
    : token;
}

/** Every word of `text` with its normalised terms, nothing dropped yet. */
function* rawWords(text: string): Generator<RawWord> {
  for (const match of text.matchAll(RAW_WORD)) {
    const raw = match[0];
    const start = match.index;
    const end = start + raw.length;
    if (IS_CJK.test(raw)) {
      const clusters: Term[] = [];
      for (const c of raw.matchAll(CLUSTER)) {
        const term = normalize(c[0]);
        if (term) clusters.push({ term, start: start + c.index, end: start + c.index + c[0].length });
      }
      const terms =
        clusters.length === 1
          ? clusters
          : clusters.slice(1).map((c, i) => ({ term: clusters[i].term + c.term, start: clusters[i].start, end: c.end }));
      yield { start, end, isCjk: true, terms };
    } else {
      const terms = normalize(raw)
        .split(NOT_WORD)
        .filter((t) => t !== '')
        .map((t) => ({ term: capLength(t), start, end }));
      yield { start, end, isCjk: false, terms };
    }
  }
}

/** Whether a term is worth indexing or searching for: not a stop word, and not one letter (unless CJK). */
function isSearchable(term: string, isCjk: boolean): boolean {
  return (isCjk || codePointLength(term) >= 2) && !STOP_WORDS.has(term);
}

/**
 * The search tokens of a text, in order and with repeats (see the module comment for the rules).
 * @example tokenize('The Café déjà-vu of 2024!') → ['cafe', 'deja', 'vu', '2024']
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const word of rawWords(text)) {
    for (const { term } of word.terms) if (isSearchable(term, word.isCjk)) tokens.push(term);
  }
  return tokens;
}

/**
 * The weight of each term of a post: every occurrence counts 3 in the title, 2 in a tag and 1 in the
 * body. The body is Markdown: only its text counts (link URLs and syntax do not).
 */
export function termWeights(doc: { title: string; body: string; tags: readonly string[] }): Map<string, number> {
  const weights = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const token of tokenize(text)) weights.set(token, (weights.get(token) ?? 0) + weight);
  };
  add(doc.title, FIELD_WEIGHTS.title);
  for (const tag of doc.tags) add(tag, FIELD_WEIGHTS.tags);
  add(plainText(doc.body), FIELD_WEIGHTS.body);
  return weights;
}

/** A parsed search query. */
export interface ParsedQuery {
  /** Distinct terms that must match whole, in query order. */
  terms: string[];
  /**
   * The last word, matched as a prefix, when the query does not end with a space or punctuation (the
   * user is still typing it) and it is at least 2 characters long. Stop words count here: "the" may
   * be the start of "theatre". Never set for CJK, which is matched by bigrams.
   */
  prefix?: string;
  phrase?: never;
}

/**
 * Parses a search box query into terms and an optional prefix (search as you type).
 * @throws RaosError INVALID_INPUT when no searchable term remains, the query is longer than
 *   MAX_QUERY_LENGTH characters, or it has more than MAX_QUERY_TERMS distinct terms.
 */
export function parseQuery(query: string): ParsedQuery {
  if (query.length > MAX_QUERY_LENGTH) {
    throw invalidInput(`the query is longer than ${MAX_QUERY_LENGTH} characters (${query.length})`, {
      hint: 'Search with a few distinctive words.',
    });
  }
  const words = [...rawWords(query)];
  const last = words.at(-1);
  let prefix: string | undefined;
  if (last && !last.isCjk && last.end === query.length) {
    const candidate = last.terms.at(-1)?.term;
    if (candidate !== undefined && codePointLength(candidate) >= 2) prefix = candidate;
  }

  const terms = new Set<string>();
  for (const word of words) {
    const wordTerms = word === last && prefix !== undefined ? word.terms.slice(0, -1) : word.terms;
    for (const { term } of wordTerms) if (isSearchable(term, word.isCjk)) terms.add(term);
  }

  if (terms.size === 0 && prefix === undefined) {
    throw invalidInput(`the query has no searchable words: ${JSON.stringify(query)}`, {
      hint: 'Search for words of at least 2 letters or digits; common words such as "the" and "and" are ignored.',
    });
  }
  if (terms.size > MAX_QUERY_TERMS) {
    throw invalidInput(`the query has ${terms.size} different words; at most ${MAX_QUERY_TERMS} are searched`, {
      hint: 'Search with a few distinctive words.',
    });
  }
  return prefix === undefined ? { terms: [...terms] } : { terms: [...terms], prefix };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * A window of plain text around the first match of `terms` (or of a word starting with `prefix`),
 * with every match in the window wrapped in « ». Plain text only: whoever puts it into HTML escapes
 * it. Whitespace is collapsed; '…' marks text cut at either end. Without a match, the start of the
 * text is returned.
 * @param text plain text (use plainText() on Markdown first)
 * @param terms the terms to mark; they are normalised like tokens (ParsedQuery.terms can be passed)
 * @param maxChars the most characters of text in the result, '…' included and « » not; default 160
 * @param prefix ParsedQuery.prefix: words starting with it are marked too
 */
export function snippet(text: string, terms: readonly string[], maxChars = 160, prefix?: string): string {
  if (!(Number.isInteger(maxChars) && maxChars > 0)) {
    throw invalidInput(`maxChars must be a positive integer, got ${String(maxChars)}`);
  }
  const clean = text.replace(/\s+/gu, ' ').trim();
  const wanted = new Set<string>();
  for (const t of terms) for (const word of rawWords(t)) for (const { term } of word.terms) wanted.add(term);
  const wantedPrefix = prefix === undefined ? undefined : normalize(prefix);

  const spans: Array<[number, number]> = [];
  for (const word of rawWords(clean)) {
    for (const { term, start, end } of word.terms) {
      if (!wanted.has(term) && !(wantedPrefix && !word.isCjk && term.startsWith(wantedPrefix))) continue;
      const previous = spans.at(-1);
      if (previous && start <= previous[1]) previous[1] = Math.max(previous[1], end);
      else spans.push([start, end]);
    }
  }
  if (spans.length === 0 || maxChars < 3) return truncateAtWord(clean, maxChars);

  let start = 0;
  let end = clean.length;
  if (clean.length > maxChars) {
    const [firstStart, firstEnd] = spans[0];
    // Some context before the first match, and the window filled up to the end of the text.
    start = Math.max(0, Math.min(firstStart - Math.floor(maxChars / 4), clean.length - (maxChars - 1)));
    if (start > 0) {
      const space = clean.indexOf(' ', start - 1);
      if (space !== -1 && space < firstStart) start = space + 1;
      else if (isHighSurrogate(clean.charCodeAt(start - 1))) start -= 1;
    }
    const budget = maxChars - (start > 0 ? 1 : 0);
    if (clean.length - start > budget) {
      end = start + budget - 1; // room for the closing '…'
      if (clean[end] !== ' ') {
        const space = clean.lastIndexOf(' ', end);
        if (space >= firstEnd && space > start) end = space;
        else if (isHighSurrogate(clean.charCodeAt(end - 1))) end -= 1;
      }
    }
  }

  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [s, e] of spans) {
    const from = Math.max(s, start);
    const to = Math.min(e, end);
    if (from >= to) continue;
    out += `${clean.slice(at, from)}«${clean.slice(from, to)}»`;
    at = to;
  }
  out += clean.slice(at, end).trimEnd();
  return end < clean.length ? `${out}…` : out;
}
