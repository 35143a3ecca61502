/**
 * Search helpers: tokenisation (accents folded, CJK/Cyrillic/Hangul kept, stop words and one-letter
 * tokens dropped, 40-character cap), term weights of a post, query parsing with a typed prefix, and
 * plain-text snippets with « » around matches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaosError } from '../../../src/kernel/errors.js';
import {
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  MAX_TOKEN_LENGTH,
  STOP_WORDS,
  parseQuery,
  snippet,
  termWeights,
  tokenize,
} from '../../../src/modules/cms/search.js';
import { caught } from '../../helpers.js';


describe('tokenize', () => {
  it('lower-cases and splits on anything that is not a letter or digit', () => {
    expect(tokenize('Hello, World! foo-bar_baz 42 x2 C3PO')).toEqual(['hello', 'world', 'foo', 'bar', 'baz', '42', 'x2', 'c3po']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('  ...  ')).toEqual([]);
  });

  it('folds accents and compatibility forms', () => {
    expect(tokenize('Café déjà-vu NAÏVE Ångström façade İstanbul Ｆｕｌｌ ﬁne')).toEqual([
      'cafe', 'deja', 'vu', 'naive', 'angstrom', 'facade', 'istanbul', 'full', 'fine',
    ]);
    // Precomposed and decomposed spellings give the same token.
    expect(tokenize('caf\u00e9')).toEqual(tokenize('cafe\u0301'));
  });

  it('drops one-character tokens and English stop words', () => {
    expect(tokenize('The cat and a dog: x y z, it is on the mat')).toEqual(['cat', 'dog', 'mat']);
    expect(STOP_WORDS.has('the')).toBe(true);
    expect(tokenize('7 of 9')).toEqual([]);
  });

  it('keeps Cyrillic, Greek, Hangul and other scripts', () => {
    expect(tokenize('Привет, мир! Москва')).toEqual(['привет', 'мир', 'москва']);
    expect(tokenize('Ελληνικά κείμενα')).toEqual(['ελληνικα', 'κειμενα']);
    expect(tokenize('한국어 검색')).toEqual(['한국어', '검색']);
    expect(tokenize('مرحبا بالعالم')).toEqual(['مرحبا', 'بالعالم']);
  });

  it('indexes Han, Hiragana and Katakana as bigrams, keeping a lone character', () => {
    expect(tokenize('全文検索')).toEqual(['全文', '文検', '検索']);
    expect(tokenize('漢字、かな。')).toEqual(['漢字', 'かな']); // CJK punctuation separates
    expect(tokenize('漢')).toEqual(['漢']);
    expect(tokenize('raos全文')).toEqual(['raos', '全文']);
    expect(tokenize('コーヒー')).toEqual(['コー', 'ーヒ', 'ヒー']); // the long-vowel mark stays inside the word
  });

  it('cuts tokens at 40 characters', () => {
    const long = 'a'.repeat(100);
    expect(tokenize(`${long} bb`)).toEqual(['a'.repeat(MAX_TOKEN_LENGTH), 'bb']);
    expect(tokenize('ж'.repeat(45))[0]).toHaveLength(40);
  });

  it('produces only normalised, searchable tokens for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (text) => {
        for (const token of tokenize(text)) {
          expect(token).toMatch(/^[\p{L}\p{N}\p{M}]+$/u);
          expect(token).toBe(token.toLowerCase());
          expect(STOP_WORDS.has(token)).toBe(false);
          expect([...token].length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
          expect(tokenize(token)).toContain(token); // stable under re-tokenising
        }
      }),
    );
  });
});

describe('termWeights', () => {
  it('weighs title ×3, tags ×2, body ×1, summing repeats', () => {
    const weights = termWeights({
      title: 'Hello World',
      tags: ['hello', 'news'],
      body: '# Hello\n\nThe world, the world again.',
    });
    expect(Object.fromEntries(weights)).toEqual({ hello: 3 + 2 + 1, world: 3 + 2, news: 2, again: 1 });
  });

  it('reads the body as Markdown: link URLs and syntax do not count', () => {
    const weights = termWeights({ title: '', tags: [], body: 'See [the docs](https://example.com/secret-path) and `code`.' });
    expect(Object.fromEntries(weights)).toEqual({ see: 1, docs: 1, code: 1 });
  });

  it('is empty for an empty post', () => {
    expect(termWeights({ title: '', tags: [], body: '' }).size).toBe(0);
  });
});

describe('parseQuery', () => {
  it('takes the last word as a prefix while it is being typed', () => {
    expect(parseQuery('hello wor')).toEqual({ terms: ['hello'], prefix: 'wor' });
    expect(parseQuery('Wor')).toEqual({ terms: [], prefix: 'wor' });
    expect(parseQuery('the')).toEqual({ terms: [], prefix: 'the' }); // may become "theatre"
  });

  it('has no prefix once the query ends with a space or punctuation, or the last word is 1 char', () => {
    expect(parseQuery('hello world ')).toEqual({ terms: ['hello', 'world'] });
    expect(parseQuery('hello world.')).toEqual({ terms: ['hello', 'world'] });
    expect(parseQuery('hello w')).toEqual({ terms: ['hello'] });
  });

  it('normalises, drops stop words and repeats', () => {
    expect(parseQuery('The CAFÉ and the café ')).toEqual({ terms: ['cafe'] });
    expect(parseQuery('cafe cafe')).toEqual({ terms: ['cafe'], prefix: 'cafe' });
  });

  it('matches CJK by bigrams, never as a prefix', () => {
    expect(parseQuery('検索')).toEqual({ terms: ['検索'] });
    expect(parseQuery('全文検索')).toEqual({ terms: ['全文', '文検', '検索'] });
  });

  it('refuses a query with no searchable words', () => {
    for (const query of ['', '   ', 'the and a ', '!!! ?', 'x ']) {
      const err = caught(() => parseQuery(query));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toBe(`the query has no searchable words: ${JSON.stringify(query)}`);
      expect(err.hint).toContain('at least 2 letters');
    }
  });

  it('refuses queries that are too long or have too many words', () => {
    expect(caught(() => parseQuery('a'.repeat(MAX_QUERY_LENGTH + 1))).code).toBe('INVALID_INPUT');
    const many = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `word${i}`).join(' ') + ' ';
    expect(caught(() => parseQuery(many)).message).toContain(`at most ${MAX_QUERY_TERMS}`);
  });

  it('returns tokens that tokenize() would index, for any query it accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (query) => {
        let parsed;
        try {
          parsed = parseQuery(query);
        } catch (err) {
          expect((err as RaosError).code).toBe('INVALID_INPUT');
          return;
        }
        const indexed = new Set(tokenize(query));
        for (const term of parsed.terms) expect(indexed.has(term)).toBe(true);
        if (parsed.prefix !== undefined) expect([...parsed.prefix].length).toBeGreaterThanOrEqual(2);
      }),
    );
  });
});

describe('snippet', () => {
  const text =
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor incididunt ut labore et ' +
    'dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ' +
    'ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat.';

  it('returns a short text whole, matches marked', () => {
    expect(snippet('Café au lait', ['cafe'])).toBe('«Café» au lait');
    expect(snippet('Hello hello HELLO world', ['hello'])).toBe('«Hello» «hello» «HELLO» world');
  });

  it('cuts a window around the first match at word boundaries, within maxChars', () => {
    const out = snippet(text, ['exercitation'], 60);
    // About a quarter of the window is context before the match.
    expect(out).toBe('…quis nostrud «exercitation» ullamco laboris nisi ut aliquip…');
    expect(out.replace(/[«»]/g, '').length).toBeLessThanOrEqual(60);
  });

  it('starts at the beginning when the match is near it, and fills up to the end when near the end', () => {
    expect(snippet(text, ['ipsum'], 40)).toBe('Lorem «ipsum» dolor sit amet, consectetur…');
    expect(snippet(text, ['fugiat'], 40)).toBe('…velit esse cillum dolore eu «fugiat».');
  });

  it('marks every match in the window, and words starting with the prefix', () => {
    expect(snippet(text, ['dolore', 'magna'], 50)).toBe('…labore et «dolore» «magna» aliqua. Ut enim ad minim…');
    expect(snippet(text, [], 50, 'consec')).toBe('…sit amet, «consectetur» adipiscing elit. Sed do…');
    expect(snippet('read the readme, then reading', ['the'], 160, 'read')).toBe('«read» «the» «readme», then «reading»');
  });

  it('marks CJK matches by bigram', () => {
    expect(snippet('全文検索エンジンを作る', ['検索'])).toBe('全文«検索»エンジンを作る');
    expect(snippet('全文検索', ['全文', '文検', '検索'])).toBe('«全文検索»');
  });

  it('returns the start of the text when nothing matches', () => {
    expect(snippet(text, ['zebra'], 40)).toBe('Lorem ipsum dolor sit amet, consectetur…');
  });

  it('collapses whitespace and produces no HTML of its own', () => {
    expect(snippet('a  <b>\n\nbold</b>   text', ['bold'])).toBe('a <b> «bold»</b> text');
  });

  it('stays within maxChars (markers aside) for any text, and keeps the first match', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('alpha', 'beta', 'gamma', 'délta', 'ε', '全文', 'x', ',', ' ', '  ', '\n', '😀'), { maxLength: 80 }),
        fc.integer({ min: 10, max: 200 }),
        (parts, maxChars) => {
          const source = parts.join(' ');
          const out = snippet(source, ['delta'], maxChars);
          expect(out.replace(/[«»]/g, '').length).toBeLessThanOrEqual(maxChars);
          expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
          if (source.includes('délta') && maxChars >= 20) expect(out).toContain('«délta»');
        },
      ),
    );
  });
});
