/**
 * The CMS's heavy parts, loaded on first use: Markdown and the sanitiser (markdown-it, sanitize-html
 * with postcss), search's tokenizer, media typing (file-type), zip reading (yauzl) and the site
 * builder (mustache). The daemon sets every module up at start; loading these there cost ~200 ms of
 * start-up and ~8 MB of idle memory before anyone had saved a post.
 */
let render: Promise<typeof import('./render.js')> | undefined;
let search: Promise<typeof import('./search.js')> | undefined;
let mediaType: Promise<typeof import('./media-type.js')> | undefined;
let zip: Promise<typeof import('./plugins/zip.js')> | undefined;
let site: Promise<typeof import('./site/build.js')> | undefined;

export const loadRender = () => (render ??= import('./render.js'));
export const loadSearch = () => (search ??= import('./search.js'));
export const loadMediaType = () => (mediaType ??= import('./media-type.js'));
export const loadZip = () => (zip ??= import('./plugins/zip.js'));
export const loadSite = () => (site ??= import('./site/build.js'));
