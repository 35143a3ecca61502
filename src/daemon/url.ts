/**
 * The path and query of a request, split by hand: `new URL()` on every request costs more than the
 * rest of a cached REST read. The query is parsed only when something asks for it.
 */
export interface RequestUrl {
  /** The path as sent, without the query (not percent-decoded, `..` not resolved: routes match it literally). */
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

const EMPTY = new URLSearchParams();

export function parseRequestUrl(raw: string | undefined): RequestUrl {
  const text = raw ?? '/';
  const q = text.indexOf('?');
  const hash = text.indexOf('#');
  const end = hash === -1 ? text.length : hash;
  const pathname = q === -1 || q > end ? text.slice(0, end) : text.slice(0, q);
  if (q === -1 || q > end) return { pathname: pathname || '/', searchParams: EMPTY };
  const search = text.slice(q + 1, end);
  let params: URLSearchParams | undefined;
  return {
    pathname: pathname || '/',
    get searchParams() {
      return (params ??= new URLSearchParams(search));
    },
  };
}
