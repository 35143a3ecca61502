/**
 * The REST door: the seed's `/api/{module}/{resource}/{action}` routes with its envelope,
 *
 *   200 { "success": true,  "message": "memory.get succeeded", "data": ..., "timestamp": "<ISO>" }
 *   4xx { "success": false, "message": "...", "errorCode": "NOT_FOUND", "hint"?: "...", "timestamp": "<ISO>" }
 *
 * served straight from node:http. Each route names a procedure of the AppRouter and is answered by
 * calling that procedure in process through `createCaller(ctx)`: the same zod input schema, the same
 * operation, the same RaosError codes as the tRPC door, without tRPC's HTTP layer (about 15× slower
 * here, ../shared/DEPENDENCIES.md pitfall 8).
 *
 * Inputs: GET and DELETE read the query string, each value coerced by the type the procedure's input
 * schema declares for that field (integer/number, boolean, JSON for objects, string otherwise, so
 * `key=42` stays the string "42"); POST reads a JSON body. Path parameters (`{key}`) are merged in.
 * `token` in the query is the credential (daemon/auth.ts), never an input.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { appRouter, type createCaller } from '../app.js';
import type { RestRoute } from '../kernel/admin/rest.js';
import { ERROR_CODES, RaosError, invalidInput, toRaosError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { RequestContext } from '../kernel/trpc.js';
import type { RequestUrl } from './url.js';

export type { RestRoute } from '../kernel/admin/rest.js';

/** 1 MiB of value plus room for the key and the rest of the body. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024 + 64 * 1024;

/** The part of a tRPC router the REST door reads: its flat map of procedures by dotted path. */
export interface RouterLike {
  _def: { procedures: Record<string, unknown> };
}

interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  inputs: unknown[];
}

/** A JSON Schema object, as `z.toJSONSchema` returns it. */
export type JsonSchema = Record<string, unknown>;

export interface RestHandlerOptions {
  /** The route tables, e.g. `[...memoryRoutes, ...adminRoutes]`. Checked when the handler is made. */
  routes: readonly RestRoute[];
  /** Makes the in-process caller for one request; pass `createCaller` from src/app.ts. */
  caller: (ctx: RequestContext) => ReturnType<typeof createCaller>;
  /**
   * The request's context (kernel and actor). Throws a RaosError UNAUTHORIZED when the token is
   * missing or wrong; the door answers 401 in the envelope. Called before the body is read.
   */
  context: (req: IncomingMessage, url: RequestUrl) => RequestContext | Promise<RequestContext>;
  /** Where failures with status 500 and above are logged. */
  log: Logger;
  /** Largest request body accepted; larger ones get 413. Default 1 MiB + 64 KiB. */
  maxBodyBytes?: number;
  /** The router whose procedures the routes name and whose input schemas coerce queries. Default: appRouter. */
  router?: RouterLike;
  /**
   * Operations to call directly by procedure name, skipping the tRPC caller (the same functions the
   * procedures wrap), which validate their input themselves with the procedure's schema. Routes
   * whose procedure is not here go through `caller`.
   */
  operations?: Record<string, (ctx: RequestContext, input: any) => Promise<unknown>>;
}

/** Answers a request when a route matches its path; resolves false (and writes nothing) otherwise. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse, url: RequestUrl) => Promise<boolean>;

type FieldKind = 'string' | 'number' | 'boolean' | 'json' | 'array';

interface Field {
  kind: FieldKind;
  /** For arrays: how each repeated query value is coerced. */
  item: FieldKind;
}

/** A route checked against the router, with what the door and the OpenAPI document need. */
export interface CompiledRoute {
  route: RestRoute;
  /** The procedure's path split on dots, for walking the caller. */
  procedurePath: string[];
  type: 'query' | 'mutation';
  /** Names of the `{param}` segments, in path order. */
  params: string[];
  /** The procedure's input as JSON Schema (io: input), `{}` when it has no zod input. */
  inputSchema: JsonSchema;
  fields: Map<string, Field>;
  /** `memory.get succeeded`, made once. */
  successMessage: string;
  /** The same as a JSON string literal. */
  successJson: string;
}

// ---------------------------------------------------------------------------------------------
// Compiling route tables (once, at startup)
// ---------------------------------------------------------------------------------------------

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const schemaCache = new WeakMap<object, JsonSchema>();

function procedureDef(router: RouterLike, name: string): ProcedureDef | undefined {
  if (!Object.prototype.hasOwnProperty.call(router._def.procedures, name)) return undefined;
  const proc = router._def.procedures[name] as { _def?: ProcedureDef } | undefined;
  return proc?._def;
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** The procedure's input as JSON Schema; several `.input()` calls become an `allOf`. */
export function procedureInputSchema(def: ProcedureDef): JsonSchema {
  const cached = schemaCache.get(def);
  if (cached) return cached;
  const schemas = def.inputs.filter(isZodSchema).map((s) => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    return rest;
  });
  const schema: JsonSchema = schemas.length === 0 ? {} : schemas.length === 1 ? schemas[0] : { allOf: schemas };
  schemaCache.set(def, schema);
  return schema;
}

/** Properties and required names of an object schema (merged over `allOf`). */
export function objectShape(schema: JsonSchema): { properties: Record<string, JsonSchema>; required: string[] } {
  const parts = Array.isArray(schema.allOf) ? (schema.allOf as JsonSchema[]) : [schema];
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const part of parts) {
    Object.assign(properties, (part.properties as Record<string, JsonSchema> | undefined) ?? {});
    required.push(...((part.required as string[] | undefined) ?? []));
  }
  return { properties, required };
}

function kindOf(schema: JsonSchema | undefined): FieldKind {
  if (!schema) return 'string';
  let type = schema.type;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null');
    type = nonNull.length === 1 ? nonNull[0] : undefined;
  }
  switch (type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'json';
    case 'array':
      return 'array';
    case 'string':
      return 'string';
  }
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const kinds = new Set(branches.filter((b) => b.type !== 'null').map(kindOf));
    if (kinds.size === 1) return [...kinds][0];
  }
  // Unions of kinds, refs and `{}`: the query gives a string and the schema decides.
  return 'string';
}

function startupError(route: RestRoute, why: string): RaosError {
  return new RaosError('INTERNAL', `REST route ${route.method} ${route.path}: ${why}`);
}

/**
 * Checks every route against the router and precomputes what a request needs. Throws on unknown
 * procedures, subscriptions, GET routes naming mutations, malformed paths and path parameters the
 * input schema does not declare, so a bad table stops the daemon at startup, not at request time.
 */
export function compileRoutes(routes: readonly RestRoute[], router: RouterLike = appRouter): CompiledRoute[] {
  return routes.map((route) => {
    if (!['GET', 'POST', 'DELETE'].includes(route.method)) throw startupError(route, `method must be GET, POST or DELETE`);
    const def = procedureDef(router, route.procedure);
    if (!def) {
      const known = Object.keys(router._def.procedures).join(', ');
      throw startupError(route, `unknown procedure '${route.procedure}' (known: ${known})`);
    }
    if (def.type === 'subscription') throw startupError(route, `'${route.procedure}' is a subscription; REST serves queries and mutations`);
    if (route.method === 'GET' && def.type !== 'query') {
      throw startupError(route, `'${route.procedure}' is a mutation; GET routes must name queries (use POST)`);
    }
    if (!route.path.startsWith('/') || route.path.length < 2 || route.path.endsWith('/')) {
      throw startupError(route, `path must start with '/' and not end with one`);
    }
    const inputSchema = procedureInputSchema(def);
    const { properties } = objectShape(inputSchema);
    const declared = Object.keys(properties);
    const params: string[] = [];
    for (const segment of route.path.split('/').slice(1)) {
      if (segment === '') throw startupError(route, 'path has an empty segment');
      const param = PARAM.exec(segment)?.[1];
      if (param) {
        if (params.includes(param)) throw startupError(route, `path parameter {${param}} appears twice`);
        if (isZodSchema(def.inputs[0]) && !declared.includes(param)) {
          throw startupError(route, `path parameter {${param}} is not a field of ${route.procedure}'s input`);
        }
        params.push(param);
      } else if (/[{}]/.test(segment)) {
        throw startupError(route, `segment '${segment}' must be a literal or a whole {param}`);
      }
    }
    const fields = new Map<string, Field>();
    for (const [name, prop] of Object.entries(properties)) {
      fields.set(name, { kind: kindOf(prop), item: kindOf(prop.items as JsonSchema | undefined) });
    }
    return {
      route,
      procedurePath: route.procedure.split('.'),
      type: def.type,
      params,
      inputSchema,
      fields,
      successMessage: `${route.procedure} succeeded`,
      successJson: JSON.stringify(`${route.procedure} succeeded`),
    };
  });
}

/** One method's routes as a segment tree: literal children first, then one parameter child. */
interface Node {
  literal: Map<string, Node>;
  param?: Node;
  route?: CompiledRoute;
}

const newNode = (): Node => ({ literal: new Map() });

function insert(root: Node, compiled: CompiledRoute): void {
  let node = root;
  for (const segment of compiled.route.path.split('/').slice(1)) {
    if (PARAM.test(segment)) node = node.param ??= newNode();
    else {
      let next = node.literal.get(segment);
      if (!next) node.literal.set(segment, (next = newNode()));
      node = next;
    }
  }
  if (node.route) {
    const other = node.route.route;
    throw startupError(compiled.route, `same method and path shape as the route to '${other.procedure}' (${other.path})`);
  }
  node.route = compiled;
}

/** Walks the tree; literals win over parameters, with backtracking. `values` collects raw param segments. */
function match(node: Node, segments: string[], i: number, values: string[]): CompiledRoute | undefined {
  if (i === segments.length) return node.route;
  const segment = segments[i];
  const literal = node.literal.get(segment);
  if (literal) {
    const found = match(literal, segments, i + 1, values);
    if (found) return found;
  }
  if (node.param && segment !== '') {
    values.push(segment);
    const found = match(node.param, segments, i + 1, values);
    if (found) return found;
    values.pop();
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Coerces one text value by its field's kind. Values that do not fit stay strings, so zod names the field. */
function coerce(name: string, raw: string, kind: FieldKind): unknown {
  switch (kind) {
    case 'number':
      return NUMERIC.test(raw) ? Number(raw) : raw;
    case 'boolean':
      if (raw === 'true' || raw === '1' || raw === '') return true;
      if (raw === 'false' || raw === '0') return false;
      return raw;
    case 'json':
    case 'array':
      try {
        return JSON.parse(raw);
      } catch {
        throw invalidInput(`${name}: is not valid JSON`, { hint: `Send ${name} as URL-encoded JSON.` });
      }
    default:
      return raw;
  }
}

function queryInput(url: RequestUrl, compiled: CompiledRoute): Map<string, unknown> {
  const input = new Map<string, unknown>();
  for (const [name, raw] of url.searchParams) {
    if (name === 'token') continue; // the credential (daemon/auth.ts), never an input
    const field = compiled.fields.get(name);
    if (field?.kind === 'array') {
      // `?args=a&args=b` or `?args=["a","b"]`
      if (raw.startsWith('[') && !input.has(name)) input.set(name, coerce(name, raw, 'json'));
      else {
        const list = input.get(name);
        const value = coerce(name, raw, field.item === 'array' ? 'json' : field.item);
        if (Array.isArray(list)) list.push(value);
        else input.set(name, [value]);
      }
      continue;
    }
    if (input.has(name)) throw invalidInput(`${name}: given more than once in the query`);
    input.set(name, coerce(name, raw, field?.kind ?? 'string'));
  }
  return input;
}

function mergeParams(input: Map<string, unknown>, compiled: CompiledRoute, values: string[], from: 'query' | 'body'): void {
  compiled.params.forEach((name, i) => {
    let text: string;
    try {
      text = decodeURIComponent(values[i]);
    } catch {
      throw invalidInput(`${name}: the path segment is not valid percent-encoding`);
    }
    const field = compiled.fields.get(name);
    const value = coerce(name, text, field?.kind === 'array' ? 'string' : (field?.kind ?? 'string'));
    if (input.has(name) && input.get(name) !== value) {
      throw invalidInput(`${name}: given in the path and in the ${from} with different values`);
    }
    input.set(name, value);
  });
}

class BodyTooLarge extends Error {}

/** Reads the body up to `limit` bytes; past that it stops buffering and lets node drain the rest. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new RaosError('INVALID_INPUT', `the request body could not be read: ${err.message}`, { cause: err }));
    };
    const onAborted = () => onError(new Error('the client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const mime = header.split(';', 1)[0].trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json');
}

async function bodyInput(req: IncomingMessage, compiled: CompiledRoute, values: string[], limit: number): Promise<unknown> {
  const buffer = await readBody(req, limit);
  let body: unknown = {};
  if (buffer.length > 0) {
    if (!isJsonContentType(req.headers['content-type'])) {
      throw invalidInput(`the request body must be JSON (content-type was ${req.headers['content-type'] ?? 'missing'})`, {
        hint: 'Send Content-Type: application/json with a JSON object body.',
      });
    }
    try {
      body = JSON.parse(buffer.toString('utf8'));
    } catch (err) {
      throw invalidInput(`the request body is not valid JSON: ${(err as Error).message}`, {
        hint: 'Send a JSON object, e.g. {"key":"greeting","value":"hello"}.',
      });
    }
  }
  if (compiled.params.length === 0) return body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidInput('the request body must be a JSON object');
  }
  const input = new Map(Object.entries(body));
  mergeParams(input, compiled, values, 'body');
  return Object.fromEntries(input);
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

const CONTENT_TYPE = 'application/json; charset=utf-8';

function write(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  // A flat header list: node:http stores it without walking an object.
  const list = ['content-type', CONTENT_TYPE, 'cache-control', 'no-store', 'content-length', String(Buffer.byteLength(body))];
  if (headers) for (const name in headers) list.push(name, headers[name]);
  res.writeHead(status, list);
  res.end(body);
}

/**
 * Frozen results (cached entries an operation hands out again and again, which nobody can change)
 * are serialised once.
 */
const serialised = new WeakMap<object, string>();
function serialise(data: unknown): string {
  if (data === undefined || data === null) return 'null';
  if (typeof data !== 'object' || !Object.isFrozen(data)) return JSON.stringify(data);
  let text = serialised.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    serialised.set(data, text);
  }
  return text;
}

let stampMs = 0;
let stampIso = '';
/** The envelope's timestamp: one toISOString per millisecond, however many answers share it. */
function timestamp(): string {
  const ms = Date.now();
  if (ms !== stampMs) {
    stampMs = ms;
    stampIso = new Date(ms).toISOString();
  }
  return stampIso;
}

/** The failure envelope for a RaosError. */
export function errorEnvelope(err: RaosError): { success: false; message: string; errorCode: string; hint?: string; timestamp: string } {
  return {
    success: false,
    message: err.message,
    errorCode: err.code,
    ...(err.hint ? { hint: err.hint } : {}),
    timestamp: timestamp(),
  };
}

/**
 * Writes anything thrown as the failure envelope, with the HTTP status of its code (or `status`
 * when given, as for 405 and 413). The server can use it for its own REST-path failures.
 */
export function sendRestError(res: ServerResponse, err: unknown, status?: number, headers?: Record<string, string>): void {
  const raos = toRaosError(err);
  let extra = raos.code === 'UNAUTHORIZED' ? { 'www-authenticate': 'Bearer', ...headers } : headers;
  const retryAfterMs = raos.details?.retryAfterMs;
  if (raos.code === 'RATE_LIMITED' && typeof retryAfterMs === 'number') extra = { 'retry-after': String(Math.ceil(retryAfterMs / 1000)), ...extra };
  write(res, status ?? ERROR_CODES[raos.code].http, JSON.stringify(errorEnvelope(raos)), extra);
}

/** 404 in the envelope for an `/api/...` path no route matches (when the handler resolved false). */
export function sendRestNotFound(req: IncomingMessage, res: ServerResponse, url: RequestUrl): void {
  sendRestError(
    res,
    new RaosError('NOT_FOUND', `no REST route ${req.method ?? 'GET'} ${url.pathname}`, {
      hint: 'GET /api/openapi.json lists every route.',
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------------------------

/** Builds the REST handler. Throws at once when a route is malformed or names an unknown procedure. */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const { caller, context, log } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const trees = new Map<string, Node>();
  for (const compiled of compileRoutes(options.routes, options.router ?? appRouter)) {
    let tree = trees.get(compiled.route.method);
    if (!tree) trees.set(compiled.route.method, (tree = newNode()));
    insert(tree, compiled);
  }

  const allowedFor = (segments: string[]): string[] =>
    [...trees].filter(([, tree]) => match(tree, segments, 0, []) !== undefined).map(([method]) => method);

  return async (req, res, url) => {
    let pathname = url.pathname;
    if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
    const segments = pathname.split('/').slice(1);
    const values: string[] = [];
    const tree = trees.get(req.method ?? 'GET');
    const compiled = tree && match(tree, segments, 0, values);
    const allow = compiled ? undefined : allowedFor(segments);
    if (!compiled && allow!.length === 0) return false;

    try {
      const pending = context(req, url);
      const ctx = pending instanceof Promise ? await pending : pending;
      if (!compiled) {
        sendRestError(
          res,
          invalidInput(`${req.method} is not allowed on ${url.pathname}; use ${allow!.join(' or ')}`),
          405,
          { allow: allow!.join(', ') },
        );
        return true;
      }

      let input: unknown;
      if (compiled.route.method === 'POST') input = await bodyInput(req, compiled, values, maxBodyBytes);
      else {
        const query = queryInput(url, compiled);
        if (compiled.params.length > 0) mergeParams(query, compiled, values, 'query');
        input = Object.fromEntries(query);
      }

      let data: unknown;
      const operation = options.operations?.[compiled.route.procedure];
      if (operation) {
        // The operation validates its input itself, with the same schema the procedure declares.
        data = await operation(ctx, input);
      } else {
        let target = caller(ctx) as unknown as Record<string, unknown>;
        for (const segment of compiled.procedurePath) target = target[segment] as Record<string, unknown>;
        data = await (target as unknown as (input: unknown) => Promise<unknown>)(input);
      }

      write(res, 200, `{"success":true,"message":${compiled.successJson},"data":${serialise(data)},"timestamp":"${timestamp()}"}`);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendRestError(
          res,
          invalidInput(`the request body is larger than ${maxBodyBytes} bytes`, {
            hint: 'Send a smaller body; large values belong in files, not in memory entries.',
          }),
          413,
          { connection: 'close' },
        );
        return true;
      }
      const raos = toRaosError(err);
      if (ERROR_CODES[raos.code].http >= 500) {
        log.error('REST request failed', {
          method: req.method,
          path: url.pathname,
          procedure: compiled?.route.procedure,
          code: raos.code,
          error: raos.message,
        });
      }
      sendRestError(res, raos);
    }
    return true;
  };
}
