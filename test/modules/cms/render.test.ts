/**
 * Markdown rendering and HTML sanitising: every known XSS payload through renderMarkdown and
 * sanitizeHtml, checked by parsing the OUTPUT (element allowlist, no on* or style, URL schemes after
 * entity decoding and whitespace stripping); what Markdown should produce; plainText; a fast-check
 * property over arbitrary strings and payload fragments (safe and idempotent); a timing figure.
 */
import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { RaosError } from '../../../src/kernel/errors.js';
import { plainText, renderMarkdown, sanitizeHtml, truncateAtWord } from '../../../src/modules/cms/render.js';
import { XSS_PAYLOADS } from './xss-payloads.js';

// ---------------------------------------------------------------------------------------------
// The checker: independent of the sanitiser's own configuration, written from the policy.
// ---------------------------------------------------------------------------------------------

const ALLOWED_ATTRIBUTES: Record<string, readonly string[]> = {
  h1: [], h2: [], h3: [], h4: [], h5: [], h6: [], p: [], ul: [], li: [], pre: [], blockquote: [],
  em: [], strong: [], del: [], s: [], table: [], thead: [], tbody: [], tfoot: [], tr: [], caption: [],
  hr: [], br: [], sup: [], sub: [],
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  code: ['class'],
  ol: ['start'],
  th: ['align'],
  td: ['align'],
};
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite', 'srcset', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background']);
const LINK_SCHEMES = new Set(['http', 'https', 'mailto']);
const IMAGE_SCHEMES = new Set(['http', 'https']);

/** What a browser does before reading a scheme: strip C0 controls and spaces, drop tabs/newlines. */
const browserUrl = (value: string) => value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();

/** Every way the HTML breaks the policy; empty when it is safe. */
function violations(html: string): string[] {
  const found: string[] = [];
  // Parser-independent: every `<name` in the text must be an allowed element (text `<` is escaped).
  for (const match of html.matchAll(/<\/?([a-zA-Z][^\s/>]*)/g)) {
    if (!(match[1].toLowerCase() in ALLOWED_ATTRIBUTES)) found.push(`raw tag <${match[1]}>`);
  }
  if (/<!--|<!\[CDATA|<\?/i.test(html)) found.push('comment, CDATA or processing instruction');

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const allowed = ALLOWED_ATTRIBUTES[name];
        if (!allowed) found.push(`element <${name}>`);
        for (const [attr, value] of Object.entries(attribs)) {
          if (attr.startsWith('on')) found.push(`<${name} ${attr}>: event handler`);
          if (attr === 'style') found.push(`<${name} style>`);
          if (allowed && !allowed.includes(attr)) found.push(`<${name} ${attr}>: attribute not allowed`);
          if (URL_ATTRIBUTES.has(attr)) {
            const url = browserUrl(value);
            const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
            const schemes = name === 'img' ? IMAGE_SCHEMES : LINK_SCHEMES;
            if (scheme !== undefined && !schemes.has(scheme)) found.push(`<${name} ${attr}="${value}">: scheme ${scheme}`);
          }
          if (attr === 'class' && !value.split(/\s+/).every((c) => /^language-\S+$/.test(c))) {
            found.push(`<${name} class="${value}">`);
          }
          if (attr === 'align' && !['left', 'center', 'right'].includes(value)) found.push(`<${name} align="${value}">`);
          if (attr === 'rel' && value !== 'noopener noreferrer nofollow') found.push(`<a rel="${value}">`);
        }
        if (name === 'a' && attribs.href !== undefined && /^(https?:|[\\/]{2})/.test(browserUrl(attribs.href))) {
          if (attribs.rel !== 'noopener noreferrer nofollow') found.push(`<a href="${attribs.href}"> without rel`);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

/**
 * A second, regex-level reading of sanitised output: text `<` and attribute `"`/`>` are always
 * escaped there, so every `<name ...>` is a real tag and every `name="..."` a real attribute.
 */
function attributesByRegex(html: string): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const [, attrs] of html.matchAll(/<[a-z][a-z0-9]*((?:\s[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>/gi)) {
    for (const [, name, value = ''] of attrs.matchAll(/\s([^\s=>/]+)(?:="([^"]*)")?/g)) found.push([name, value]);
  }
  return found;
}

describe('the checker itself', () => {
  it('reads attributes by regex', () => {
    expect(attributesByRegex('<p><a href="https://x" title="a &quot;b\' onclick=c">t</a><img src="/a" alt="" /></p>')).toEqual([
      ['href', 'https://x'],
      ['title', "a &quot;b' onclick=c"],
      ['src', '/a'],
      ['alt', ''],
    ]);
  });


  it('catches what it is meant to catch', () => {
    expect(violations('<script>x</script>')).not.toEqual([]);
    expect(violations('<img src=x onerror=alert(1)>')).not.toEqual([]);
    expect(violations('<a href="jav&#x09;ascript:alert(1)">x</a>')).not.toEqual([]);
    expect(violations('<a href=" JAVASCRIPT:x">x</a>')).not.toEqual([]);
    expect(violations('<img src="data:image/png;base64,AAAA">')).not.toEqual([]);
    expect(violations('<p style="color:red">x</p>')).not.toEqual([]);
    expect(violations('<a href="https://x.example">x</a>')).not.toEqual([]); // no rel
    expect(violations('<a href="https://x.example" rel="noopener noreferrer nofollow">x</a>')).toEqual([]);
    expect(violations('<p>&lt;script&gt;</p>')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------

describe('XSS payloads', () => {
  it('has a list of at least 60', () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(XSS_PAYLOADS.map((p) => p.name)).size).toBe(XSS_PAYLOADS.length);
  });

  it.each(XSS_PAYLOADS.map((p) => [p.name, p.payload]))('%s: renderMarkdown output is safe', (_name, payload) => {
    const html = renderMarkdown(payload);
    expect(violations(html), html).toEqual([]);
    expect(sanitizeHtml(html)).toBe(html);
  });

  it.each(XSS_PAYLOADS.map((p) => [p.name, p.payload]))('%s: sanitizeHtml output is safe', (_name, payload) => {
    const html = sanitizeHtml(payload);
    expect(violations(html), html).toEqual([]);
    expect(sanitizeHtml(html)).toBe(html);
  });

  it('never lets an executable scheme or handler name through as markup', () => {
    for (const { payload } of XSS_PAYLOADS) {
      for (const html of [renderMarkdown(payload), sanitizeHtml(payload)]) {
        for (const [name, value] of attributesByRegex(html)) {
          expect(name).not.toMatch(/^(?:on|style$)/i);
          expect(value).not.toMatch(/^\s*(?:javascript|vbscript|data):/i);
        }
      }
    }
  });

  it('shows raw HTML in Markdown as text instead of dropping it', () => {
    expect(renderMarkdown('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
    expect(renderMarkdown('a <b>b</b>')).toBe('<p>a &lt;b&gt;b&lt;/b&gt;</p>\n');
  });

  it('refuses javascript:, data: and other schemes in Markdown links, leaving the text', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).toBe('<p>[x](javascript:alert(1))</p>\n');
    expect(renderMarkdown('[x](JAVASCRIPT:alert(1))')).not.toContain('<a');
    expect(renderMarkdown('[x](&#106;avascript:alert(1))')).not.toContain('<a');
    expect(renderMarkdown('![x](data:image/png;base64,iVBORw0KGgo=)')).not.toContain('<img');
    expect(renderMarkdown('[x](file:///etc/passwd)')).not.toContain('<a');
    expect(renderMarkdown('<javascript:alert(1)>')).toBe('<p>&lt;javascript:alert(1)&gt;</p>\n');
    expect(renderMarkdown('[x][r]\n\n[r]: javascript:alert(1)')).not.toContain('<a');
  });

  it('drops the content of script-like elements from plugin HTML, keeps the text of others', () => {
    expect(sanitizeHtml('<p>a<script>alert(1)</script>b</p>')).toBe('<p>ab</p>');
    expect(sanitizeHtml('<div><span>kept</span></div>')).toBe('kept');
    expect(sanitizeHtml('<iframe srcdoc="x">inner</iframe>ok')).toBe('ok');
    expect(sanitizeHtml('<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>')).toBe('<table></table>');
  });

  it('sets rel itself: drops a plugin rel/target, adds rel to absolute links only', () => {
    expect(sanitizeHtml('<a href="https://evil.example" target="_blank" rel="opener">x</a>')).toBe(
      '<a href="https://evil.example" rel="noopener noreferrer nofollow">x</a>',
    );
    expect(sanitizeHtml('<a href="//evil.example">x</a>')).toBe('<a href="//evil.example" rel="noopener noreferrer nofollow">x</a>');
    expect(sanitizeHtml('<a href="/local" rel="nofollow">x</a>')).toBe('<a href="/local">x</a>');
    expect(sanitizeHtml('<a href="mailto:a@b.example">x</a>')).toBe('<a href="mailto:a@b.example">x</a>');
  });

  it('removes style, class (outside code), id and bad align values', () => {
    expect(sanitizeHtml('<p style="color:red" class="x" id="y">t</p>')).toBe('<p>t</p>');
    expect(sanitizeHtml('<code class="language-ts evil">x</code>')).toBe('<code class="language-ts">x</code>');
    expect(sanitizeHtml('<code class="language-&quot;&gt;x">y</code>')).toBe('<code>y</code>');
    expect(renderMarkdown('```"><img src=x>\nz\n```')).toBe('<pre><code>z\n</code></pre>\n');
    expect(renderMarkdown('```c++\nz\n```')).toBe('<pre><code class="language-c++">z\n</code></pre>\n');
    expect(sanitizeHtml('<table><tr><td align="bogus">x</td><td align="CENTER">y</td></tr></table>')).toBe(
      '<table><tr><td>x</td><td align="center">y</td></tr></table>',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What Markdown should still produce
// ---------------------------------------------------------------------------------------------

describe('renderMarkdown', () => {
  it('renders headings, emphasis, inline code and breaks', () => {
    expect(renderMarkdown('# One\n## Two\n###### Six')).toBe('<h1>One</h1>\n<h2>Two</h2>\n<h6>Six</h6>\n');
    expect(renderMarkdown('*a* **b** ~~c~~ `d` x^y')).toBe('<p><em>a</em> <strong>b</strong> <s>c</s> <code>d</code> x^y</p>\n');
    expect(renderMarkdown('a  \nb')).toBe('<p>a<br />\nb</p>\n');
  });

  it('renders lists, with the start of an ordered list', () => {
    expect(renderMarkdown('- a\n- b')).toBe('<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n');
    expect(renderMarkdown('3. c\n4. d')).toBe('<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n');
  });

  it('renders code blocks with a language-* class and escapes their content', () => {
    expect(renderMarkdown('```ts\nconst a = 1 < 2 && "x";\n```')).toBe(
      '<pre><code class="language-ts">const a = 1 &lt; 2 &amp;&amp; "x";\n</code></pre>\n',
    );
    expect(renderMarkdown('    indented <b>\n')).toBe('<pre><code>indented &lt;b&gt;\n</code></pre>\n');
  });

  it('renders tables, alignment as align (no style)', () => {
    const html = renderMarkdown('| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |');
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<th align="center">b</th>');
    expect(html).toContain('<td align="right">3</td>');
    expect(html).not.toContain('style');
  });

  it('renders blockquotes and rules', () => {
    expect(renderMarkdown('> q\n\n---')).toBe('<blockquote>\n<p>q</p>\n</blockquote>\n<hr />\n');
  });

  it('gives absolute links rel="noopener noreferrer nofollow", not relative ones', () => {
    expect(renderMarkdown('[a](https://example.com "T")')).toBe(
      '<p><a href="https://example.com" title="T" rel="noopener noreferrer nofollow">a</a></p>\n',
    );
    expect(renderMarkdown('[a](/posts/1)')).toBe('<p><a href="/posts/1">a</a></p>\n');
    expect(renderMarkdown('[a](#top)')).toBe('<p><a href="#top">a</a></p>\n');
    expect(renderMarkdown('[a](mailto:x@example.com)')).toBe('<p><a href="mailto:x@example.com">a</a></p>\n');
  });

  it('linkifies http(s) URLs and e-mail addresses', () => {
    expect(renderMarkdown('see https://example.com/x')).toBe(
      '<p>see <a href="https://example.com/x" rel="noopener noreferrer nofollow">https://example.com/x</a></p>\n',
    );
    expect(renderMarkdown('mail a@example.com')).toBe('<p>mail <a href="mailto:a@example.com">a@example.com</a></p>\n');
  });

  it('keeps image alt and title', () => {
    expect(renderMarkdown('![A cat](/media/cat.png "Cat")')).toBe('<p><img src="/media/cat.png" alt="A cat" title="Cat" /></p>\n');
    expect(renderMarkdown('![x](https://cdn.example/a.webp)')).toBe('<p><img src="https://cdn.example/a.webp" alt="x" /></p>\n');
  });

  it('escapes quotes in attributes', () => {
    const html = renderMarkdown('[x](https://example.com "a\\" onmouseover=\\"alert(1)")');
    expect(html).toContain('title="a&quot; onmouseover=&quot;alert(1)"');
    expect(violations(html)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// plainText
// ---------------------------------------------------------------------------------------------

describe('plainText', () => {
  it('keeps the text, drops markup and URLs, collapses whitespace', () => {
    expect(plainText('# Title\n\nSome *em* and [a link](https://x.example).\n\n- one\n- two')).toBe(
      'Title Some em and a link. one two',
    );
    expect(plainText('```js\nlet  x = 1;\n```\n![An image](/a.png)')).toBe('let x = 1; An image');
    expect(plainText('a &amp; b &lt;c&gt;')).toBe('a & b <c>');
    expect(plainText('| h1 | h2 |\n|---|---|\n| c1 | c2 |')).toBe('h1 h2 c1 c2');
    expect(plainText('')).toBe('');
  });

  it('cuts at a word boundary with …, within maxChars', () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    expect(plainText(text, 100)).toBe(text);
    expect(plainText(text, text.length)).toBe(text);
    expect(plainText(text, 20)).toBe('The quick brown fox…');
    expect(plainText(text, 19)).toBe('The quick brown…');
    expect(plainText('Supercalifragilistic', 10)).toBe('Supercali…'); // one long word: hard cut
    expect(plainText('a, b, c, d, e, f', 6)).toBe('a, b…'); // no dangling comma
  });

  it('never splits a surrogate pair and stays within maxChars', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.integer({ min: 1, max: 60 }), (s, max) => {
        const out = truncateAtWord(s, max);
        expect(out.length).toBeLessThanOrEqual(Math.max(max, 1));
        expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      }),
    );
  });

  it('refuses a maxChars that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      const err = (() => {
        try {
          plainText('x', bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(RaosError);
      expect((err as RaosError).code).toBe('INVALID_INPUT');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: anything in, safe and idempotent out
// ---------------------------------------------------------------------------------------------

/** Pieces of the payloads plus Markdown syntax, so generated inputs recombine them in new ways. */
const FRAGMENTS: string[] = [
  ...new Set([
    ...XSS_PAYLOADS.flatMap((p) => p.payload.split(/(?<=[>"'\s)])/)),
    '[', '](', ')', '<', '>', '![', '&#', '&#x', ';', ':', 'javascript', 'JaVaScRiPt', 'data:', 'vbscript:',
    '\t', '\n', '\n\n', ' ', '`', '```', '|', '---', '*', '_', '~~', '#', '> ', '- ', '1. ', '"', "'", '=',
    'onerror=', 'href=', 'src=', '<a ', '<img ', '<svg', '<math>', '<style>', '</', '&lt;', '&amp;', '\\',
  ]),
];

const fragmentString = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((parts) => parts.join(''));
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
  fragmentString,
);

describe('property: any input renders safe, idempotent HTML', () => {
  it('renderMarkdown', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const html = renderMarkdown(input);
        expect(violations(html), html).toEqual([]);
        expect(sanitizeHtml(html)).toBe(html);
      }),
      { numRuns: 1500 },
    );
  });

  it('sanitizeHtml', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const html = sanitizeHtml(input);
        expect(violations(html), html).toEqual([]);
        expect(sanitizeHtml(html)).toBe(html);
      }),
      { numRuns: 1500 },
    );
  });
});
