/**
 * Markdown to safe HTML for the CMS, and the plain text of a post for excerpts and the search index.
 *
 * Policy (one allowlist, used for Markdown output and for HTML that plugins return from onRender hooks):
 * - markdown-it runs with `html: false`: raw HTML in a post is shown as text, never passed through.
 *   Authors who need more than Markdown write a plugin, and its output goes through the same sanitiser.
 * - The markdown-it output is ALWAYS sanitised again with sanitize-html, so a markdown-it bug or a
 *   future option change cannot open a hole on its own.
 * - Elements: h1-h6, p, a, img, ul, ol, li, code, pre, blockquote, em, strong, del, s, table parts,
 *   hr, br, sup, sub. Anything else is dropped; its text is kept, except for script, style, textarea,
 *   option, xmp, noscript, noembed, noframes, iframe, template, title (their content is dropped too).
 * - Attributes: a[href, title], img[src, alt, title, width, height], code[class = one `language-NAME`,
 *   NAME a short identifier], ol[start], th/td[align = left|center|right] (markdown-it's table
 *   alignment, moved out of `style`).
 *   No `style`, no `on*`, no `id`/`class` elsewhere.
 * - URLs: http, https and mailto for links; http and https for images; relative URLs for both.
 *   ALL `data:` URLs are refused, images included: media belongs in the media library, and a data URL
 *   in a post is an easy place to hide content (data:image/svg+xml carries script).
 * - `a` with an absolute http(s) or protocol-relative href gets `rel="noopener noreferrer nofollow"`;
 *   any `rel` or `target` given by a plugin is dropped.
 * - linkify turns `https://…` URLs and e-mail addresses into links; bare `www.x.com` / `file.md` stay
 *   text (linkify-it 6 has fuzzy links off, and `.md` is a country domain).
 */
import MarkdownIt from 'markdown-it';
import sanitize from 'sanitize-html';
import { invalidInput } from '../../kernel/errors.js';

/** Schemes a link may use; anything without a scheme is a relative URL and allowed. */
const LINK_SCHEMES = ['http', 'https', 'mailto'] as const;
/** Schemes an image may use. */
const IMAGE_SCHEMES = ['http', 'https'] as const;

/**
 * Characters browsers ignore or strip in URLs (C0 controls, space, DEL, C1 controls, and the
 * zero-width/BOM characters some parsers skip): removed before looking at a scheme.
 */
const URL_IGNORED = /[\u0000-\u0020\u007f-\u009f\u200b-\u200d\u2060\ufeff]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const EXTERNAL = /^(?:https?:|[\\/]{2})/i;
const EXTERNAL_REL = 'noopener noreferrer nofollow';

function safeDecodeURI(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/**
 * markdown-it's link check, stricter than its default (which lets data:image/* through): only
 * http, https, mailto or no scheme. markdown-it passes the percent-encoded URL, so the scheme is
 * also checked after percent-decoding: `jav%09ascript:` is harmless in a browser, but it is no
 * link an author meant either.
 */
function isAllowedLink(url: string): boolean {
  for (const candidate of [url, safeDecodeURI(url)]) {
    const match = SCHEME.exec(candidate.replace(URL_IGNORED, ''));
    if (match && !(LINK_SCHEMES as readonly string[]).includes(match[1].toLowerCase())) return false;
  }
  return true;
}

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
markdown.validateLink = isAllowedLink;
// markdown-it aligns table cells with `style="text-align:…"`; the sanitiser allows no style at all,
// so the alignment moves to the (harmless, value-checked) `align` attribute.
markdown.core.ruler.push('raos_table_align', (state) => {
  for (const token of state.tokens) {
    if ((token.type !== 'th_open' && token.type !== 'td_open') || !token.attrs) continue;
    const align = /^text-align:(left|center|right)$/.exec(String(token.attrGet('style') ?? ''))?.[1];
    token.attrs = token.attrs.filter(([name]) => name !== 'style');
    if (align) token.attrSet('align', align);
  }
});

const LANGUAGE_CLASS = /^language-[a-z0-9_+#.-]{1,40}$/i;
const ALIGN_VALUES = new Set(['left', 'center', 'right']);

function cellTransform(tagName: string, attribs: sanitize.Attributes): sanitize.Tag {
  const { align, ...rest } = attribs;
  return { tagName, attribs: align && ALIGN_VALUES.has(align.toLowerCase()) ? { ...rest, align: align.toLowerCase() } : rest };
}

/** Built once: immutable configuration, never changed after load. */
const SANITIZE_OPTIONS: sanitize.IOptions = {
  // Most frequent first: sanitize-html looks tags up with indexOf on every open tag.
  allowedTags: [
    'p', 'a', 'li', 'code', 'em', 'strong', 'td', 'tr', 'br', 'ul', 'ol', 'pre', 'img', 'th',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'del', 's', 'table', 'thead', 'tbody', 'tfoot',
    'caption', 'hr', 'sup', 'sub',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    ol: ['start'],
    th: ['align'],
    td: ['align'],
  },
  allowedClasses: { code: ['language-*'] },
  allowedSchemes: [...LINK_SCHEMES],
  allowedSchemesByTag: { img: [...IMAGE_SCHEMES] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: true,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'noembed', 'noframes', 'iframe', 'template', 'title'],
  allowVulnerableTags: false,
  transformTags: {
    a: (tagName, attribs) => {
      // rel and target come from us only: a plugin cannot drop noopener or add target=_blank.
      const { rel: _rel, target: _target, ...rest } = attribs;
      const href = (rest.href ?? '').replace(URL_IGNORED, '');
      return { tagName, attribs: EXTERNAL.test(href) ? { ...rest, rel: EXTERNAL_REL } : rest };
    },
    // sanitize-html's class glob `language-*` accepts any characters after the dash; a language
    // name is a short identifier, so anything else (quotes, brackets from a fence info string) goes.
    code: (tagName, attribs) => {
      const { class: classes, ...rest } = attribs;
      const language = (classes ?? '').split(/\s+/).find((c) => LANGUAGE_CLASS.test(c));
      return { tagName, attribs: language ? { ...rest, class: language } : rest };
    },
    th: cellTransform,
    td: cellTransform,
  },
};

/**
 * Renders a post's Markdown to sanitised HTML (see the module comment for the policy).
 * Raw HTML in the Markdown is escaped and shown as text.
 */
export function renderMarkdown(markdownText: string): string {
  return sanitize(markdown.render(markdownText), SANITIZE_OPTIONS);
}

/**
 * Sanitises HTML with the same policy as {@link renderMarkdown}: for HTML that plugins returned from
 * onRender hooks. Idempotent: `sanitizeHtml(renderMarkdown(x)) === renderMarkdown(x)`.
 */
export function sanitizeHtml(html: string): string {
  return sanitize(html, SANITIZE_OPTIONS);
}

type MdToken = ReturnType<typeof markdown.parse>[number];

function collectText(tokens: readonly MdToken[], out: string[]): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
      case 'code_inline':
        out.push(token.content);
        break;
      case 'code_block':
      case 'fence':
        out.push(' ', token.content, ' ');
        break;
      case 'softbreak':
      case 'hardbreak':
        out.push(' ');
        break;
      default:
        if (token.children) collectText(token.children, out);
        // Block boundaries separate words: "# Title\ntext" is "Title text", not "Titletext".
        else if (token.block) out.push(' ');
    }
  }
}

/**
 * Cuts text to at most `maxChars` characters (the '…' included), at a word boundary when one is in
 * the second half of the budget, without splitting a surrogate pair.
 */
export function truncateAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars <= 1) return '…';
  let cut = maxChars - 1;
  // When the cut falls on a space, the word before it is whole; otherwise go back to the last space.
  if (!/\s/.test(text[cut] ?? '')) {
    const space = text.lastIndexOf(' ', cut);
    if (space >= cut / 2) cut = space;
  }
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, cut).replace(/[\s,;:.\-–—]+$/u, '') + '…';
}

/**
 * The text of a post without markup, for excerpts and the search index: link URLs and syntax
 * dropped, code and image alt text kept, whitespace collapsed to single spaces.
 * @param maxChars when given, cut at a word boundary to at most this many characters, '…' included.
 */
export function plainText(markdownText: string, maxChars?: number): string {
  if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars > 0)) {
    throw invalidInput(`maxChars must be a positive integer, got ${String(maxChars)}`);
  }
  const parts: string[] = [];
  collectText(markdown.parse(markdownText, {}), parts);
  const text = parts.join('').replace(/\s+/gu, ' ').trim();
  return maxChars === undefined ? text : truncateAtWord(text, maxChars);
}
