import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModules, createCaller } from '../../src/app.js';
import { openApiDocument } from '../../src/daemon/openapi.js';
import { compileRoutes, createRestHandler, sendRestNotFound, type RestRoute } from '../../src/daemon/rest.js';
import { ownerActor } from '../../src/kernel/actor.js';
import { adminRoutes } from '../../src/kernel/admin/rest.js';
import { loadConfig } from '../../src/kernel/config.js';
import { RaosError } from '../../src/kernel/errors.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { silentLogger } from '../../src/kernel/logger.js';
import { initWorkspace } from '../../src/kernel/workspace.js';
import { memoryRoutes } from '../../src/modules/memory/rest.js';

const TOKEN = 'test-token-0123456789';
const routes = [...memoryRoutes, ...adminRoutes];

let dir: string;
let kernel: Kernel;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raos-rest-'));
  const { root } = initWorkspace(dir);
  const { config } = loadConfig({ root, env: {} });
  kernel = await Kernel.create({ root, config, log: silentLogger, builtins: builtinModules, access: 'write', purpose: 'test' });
  const rest = createRestHandler({
    routes,
    caller: createCaller,
    context: (req, url) => {
      const header = req.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
      if (token !== TOKEN) throw new RaosError('UNAUTHORIZED', 'a valid token is required');
      return { kernel, actor: ownerActor('rest') };
    },
    log: silentLogger,
  });
  const openapi = JSON.stringify(openApiDocument({ routes, version: '0.0.0-test' }));
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/openapi.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(openapi);
      return;
    }
    if (await rest(req, res, url)) return;
    sendRestNotFound(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await kernel.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Envelope {
  success: boolean;
  message: string;
  data?: any;
  errorCode?: string;
  hint?: string;
  timestamp: string;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; auth?: boolean } = {},
): Promise<{ status: number; headers: Headers; body: Envelope }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== false) headers.authorization = `Bearer ${TOKEN}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Envelope };
}

function expectSuccess(r: { status: number; headers: Headers; body: Envelope }, procedure: string) {
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(Object.keys(r.body).sort()).toEqual(['data', 'message', 'success', 'timestamp']);
  expect(r.body.success).toBe(true);
  expect(r.body.message).toBe(`${procedure} succeeded`);
  expect(new Date(r.body.timestamp).toISOString()).toBe(r.body.timestamp);
  return r.body.data;
}

function expectFailure(r: { status: number; body: Envelope }, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.body.success).toBe(false);
  expect(r.body.errorCode).toBe(code);
  expect(typeof r.body.message).toBe('string');
  expect(new Date(r.body.timestamp).toISOString()).toBe(r.body.timestamp);
  expect(r.body).not.toHaveProperty('data');
  return r.body;
}

describe('REST door: memory routes', () => {
  it('sets, gets, lists and deletes with the success envelope', async () => {
    const set = expectSuccess(await call('POST', '/api/memory/entry/set', { body: { key: 'greeting', value: { hi: [1, 2] } } }), 'memory.set');
    expect(set).toMatchObject({ key: 'greeting', namespace: 'default', scope: 'global', value: { hi: [1, 2] }, created: true });

    const got = expectSuccess(await call('GET', '/api/memory/entry/get?key=greeting'), 'memory.get');
    expect(got).toMatchObject({ key: 'greeting', value: { hi: [1, 2] }, expiresAt: null });

    const list = expectSuccess(await call('GET', '/api/memory/entry/list'), 'memory.list');
    expect(list.items.map((e: { key: string }) => e.key)).toContain('greeting');

    const del = expectSuccess(await call('POST', '/api/memory/entry/delete', { body: { key: 'greeting' } }), 'memory.delete');
    expect(del).toEqual({ key: 'greeting', namespace: 'default', scope: 'global', deleted: true });
    expectFailure(await call('GET', '/api/memory/entry/get?key=greeting'), 404, 'NOT_FOUND');
  });

  it('answers exactly what the in-process caller answers (one router, two doors)', async () => {
    await call('POST', '/api/memory/entry/set', { body: { key: 'same', value: 7, namespace: 'doors' } });
    const direct = await createCaller({ kernel, actor: ownerActor('internal') }).memory.get({ key: 'same', namespace: 'doors' });
    expect(expectSuccess(await call('GET', '/api/memory/entry/get?key=same&namespace=doors'), 'memory.get')).toEqual(direct);
  });

  it('takes the key from the path for GET and DELETE, percent-decoded', async () => {
    await call('POST', '/api/memory/entry/set', { body: { key: 'users/42', value: 'alice', scope: 'user:7' } });
    const got = expectSuccess(await call('GET', '/api/memory/entry/users%2F42?scope=user:7'), 'memory.get');
    expect(got).toMatchObject({ key: 'users/42', scope: 'user:7', value: 'alice' });
    const del = expectSuccess(await call('DELETE', '/api/memory/entry/users%2F42?scope=user:7'), 'memory.delete');
    expect(del.deleted).toBe(true);
    // force=true is coerced to a boolean: a missing key then succeeds with deleted false.
    expect(expectSuccess(await call('DELETE', '/api/memory/entry/users%2F42?scope=user:7&force=true'), 'memory.delete').deleted).toBe(false);
    expectFailure(await call('DELETE', '/api/memory/entry/users%2F42?scope=user:7'), 404, 'NOT_FOUND');
    // The path and the query must agree on a field.
    expectFailure(await call('GET', '/api/memory/entry/a?key=b'), 400, 'INVALID_INPUT');
  });

  it('coerces the query by the input schema: limit=2 is a number, key=42 stays a string', async () => {
    for (const key of ['42', 'c1', 'c2', 'c3']) {
      await call('POST', '/api/memory/entry/set', { body: { key, value: key, namespace: 'coerce' } });
    }
    const list = expectSuccess(await call('GET', '/api/memory/entry/list?namespace=coerce&limit=2'), 'memory.list');
    expect(list.items).toHaveLength(2);
    expect(list.truncated).toBe(true);
    const got = expectSuccess(await call('GET', '/api/memory/entry/get?key=42&namespace=coerce'), 'memory.get');
    expect(got.key).toBe('42');
    expect(got.value).toBe('42');
    // A number that is not an integer, or a word, reaches zod and is refused naming the field.
    expect(expectFailure(await call('GET', '/api/memory/entry/list?limit=2.5'), 400, 'INVALID_INPUT').message).toMatch(/^limit: /);
    expect(expectFailure(await call('GET', '/api/memory/entry/list?limit=lots'), 400, 'INVALID_INPUT').message).toMatch(/^limit: /);
    // A field given twice, and unknown fields (the schemas are strict), are refused.
    expectFailure(await call('GET', '/api/memory/entry/list?limit=1&limit=2'), 400, 'INVALID_INPUT');
    expect(expectFailure(await call('GET', '/api/memory/entry/list?bogus=1'), 400, 'INVALID_INPUT').message).toMatch(/bogus/);
  });

  it('does not pass the ?token= credential on as input', async () => {
    const list = expectSuccess(await call('GET', `/api/memory/entry/list?namespace=coerce&token=${TOKEN}`, { auth: false }), 'memory.list');
    expect(list.items.length).toBeGreaterThan(0);
  });
});

describe('REST door: failures in the envelope', () => {
  it('INVALID_INPUT for a bad key, naming the field', async () => {
    const body = expectFailure(await call('GET', '/api/memory/entry/get?key=a%20b'), 400, 'INVALID_INPUT');
    expect(body.message).toMatch(/^key: /);
    expectFailure(await call('POST', '/api/memory/entry/set', { body: { key: 'a b', value: 1 } }), 400, 'INVALID_INPUT');
  });

  it('NOT_FOUND for a missing key, with its hint', async () => {
    const body = expectFailure(await call('GET', '/api/memory/entry/get?key=nope'), 404, 'NOT_FOUND');
    expect(body.message).toContain("'nope'");
  });

  it('CONFLICT for ifAbsent on an existing key', async () => {
    await call('POST', '/api/memory/entry/set', { body: { key: 'once', value: 1 } });
    expectFailure(await call('POST', '/api/memory/entry/set', { body: { key: 'once', value: 2, ifAbsent: true } }), 409, 'CONFLICT');
  });

  it('UNAUTHORIZED (401) without a token or with a wrong one, before reading the body', async () => {
    const r = await call('POST', '/api/memory/entry/set', { body: { key: 'x', value: 1 }, auth: false });
    expectFailure(r, 401, 'UNAUTHORIZED');
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expectFailure(await call('GET', '/api/memory/entry/list', { headers: { authorization: 'Bearer wrong' }, auth: false }), 401, 'UNAUTHORIZED');
  });

  it('404 in the envelope for a path no route matches, 405 with Allow for a wrong method', async () => {
    const body = expectFailure(await call('GET', '/api/memory/entry/nope/deeper'), 404, 'NOT_FOUND');
    expect(body.message).toBe('no REST route GET /api/memory/entry/nope/deeper');
    expectFailure(await call('GET', '/api/nothing'), 404, 'NOT_FOUND');
    const wrong = await call('GET', '/api/memory/entry/set');
    // GET /api/memory/entry/set reads the key "set" through the {key} route: that is a NOT_FOUND, not a 405.
    expectFailure(wrong, 404, 'NOT_FOUND');
    const r = await call('POST', '/api/kernel/db/status', { body: {} });
    expectFailure(r, 405, 'INVALID_INPUT');
    expect(r.headers.get('allow')).toBe('GET');
    // POST /api/memory/entry/list: GET lists, and DELETE would delete a key named "list".
    expect((await call('POST', '/api/memory/entry/list', { body: {} })).headers.get('allow')).toBe('GET, DELETE');
    expectFailure(await call('DELETE', '/api/kernel/db/checkpoint'), 405, 'INVALID_INPUT');
  });

  it('413 in the envelope for a body over the limit, declared or chunked', async () => {
    const big = JSON.stringify({ key: 'big', value: 'x'.repeat(2 * 1024 * 1024) });
    const r = await call('POST', '/api/memory/entry/set', { raw: big, headers: { 'content-type': 'application/json' } });
    expectFailure(r, 413, 'INVALID_INPUT');
    expect(r.body.message).toContain('larger than');

    // Chunked (no content-length): counted while reading.
    const chunked = await new Promise<{ status: number; body: Envelope }>((resolve, reject) => {
      const url = new URL('/api/memory/entry/set', base);
      const req = request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      for (let i = 0; i < 40; i++) req.write('x'.repeat(64 * 1024));
      req.end();
    });
    expectFailure(chunked, 413, 'INVALID_INPUT');
    // The server still answers afterwards.
    expectSuccess(await call('GET', '/api/memory/entry/list?limit=1'), 'memory.list');
  });

  it('INVALID_INPUT (400) for a body that is not JSON or not declared as JSON', async () => {
    const r = await call('POST', '/api/memory/entry/set', { raw: '{"key": "a", value', headers: { 'content-type': 'application/json' } });
    expect(expectFailure(r, 400, 'INVALID_INPUT').message).toMatch(/not valid JSON/);
    const form = await call('POST', '/api/memory/entry/set', { raw: 'key=a&value=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(expectFailure(form, 400, 'INVALID_INPUT').hint).toMatch(/application\/json/);
  });
});

describe('REST door: kernel routes', () => {
  it('lists modules, reports databases and checkpoints with an empty POST body', async () => {
    const modules = expectSuccess(await call('GET', '/api/kernel/module/list'), 'module.list');
    expect(modules.modules.find((m: { name: string }) => m.name === 'memory')).toMatchObject({ state: 'ready' });
    expect(expectSuccess(await call('GET', '/api/kernel/module/info?name=memory'), 'module.info').name).toBe('memory');
    expectFailure(await call('GET', '/api/kernel/module/info?name=nope'), 404, 'NOT_FOUND');
    expect(expectSuccess(await call('GET', '/api/kernel/db/status'), 'db.status').databases.length).toBeGreaterThan(0);
    expect(expectSuccess(await call('GET', '/api/kernel/db/check'), 'db.check').ok).toBe(true);
    expect(expectSuccess(await call('POST', '/api/kernel/db/checkpoint', { raw: '' }), 'db.checkpoint').databases.length).toBeGreaterThan(0);
    expectFailure(await call('POST', '/api/kernel/module/reload', { body: { name: 'memory' } }), 400, 'INVALID_INPUT');
  });
});

describe('route tables are checked at startup', () => {
  const make = (extra: RestRoute) => () =>
    createRestHandler({ routes: [...routes, extra], caller: createCaller, context: () => { throw new Error('unused'); }, log: silentLogger });

  it('refuses unknown procedures, GET on mutations, undeclared path params and duplicates', () => {
    expect(make({ method: 'GET', path: '/api/memory/entry/peek', procedure: 'memory.peek', summary: '' })).toThrow(/unknown procedure 'memory.peek'/);
    expect(make({ method: 'GET', path: '/api/memory/entry/put', procedure: 'memory.set', summary: '' })).toThrow(/mutation/);
    expect(make({ method: 'GET', path: '/api/memory/entry/by/{id}', procedure: 'memory.get', summary: '' })).toThrow(/\{id\}/);
    expect(make({ method: 'GET', path: '/api/memory/entry/{name}', procedure: 'memory.get', summary: '' })).toThrow();
    expect(make({ method: 'GET', path: '/api/memory/entry/list', procedure: 'memory.list', summary: '' })).toThrow(/same method and path/);
    expect(() => openApiDocument({ routes: [{ method: 'GET', path: '/api/x/y/z', procedure: 'x.y', summary: '' }], version: '0' })).toThrow(/unknown procedure/);
  });

  it('compiles every shipped route', () => {
    expect(compileRoutes(routes)).toHaveLength(routes.length);
  });
});

describe('OpenAPI document', () => {
  it('lists every route with its parameters, body, envelopes and the bearer scheme', async () => {
    const res = await fetch(`${base}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.0.0-test');
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.security).toContainEqual({ bearerAuth: [] });

    for (const route of routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op['x-raos-procedure']).toBe(route.procedure);
      expect(op.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/SuccessEnvelope');
      for (const status of ['400', '401', '404', '409', '500', '503']) expect(op.responses[status]).toBeDefined();
      if (route.method === 'POST') expect(op.responses['413']).toBeDefined();
    }
    const ids = Object.values(doc.paths).flatMap((p: any) => Object.values(p).map((op: any) => op.operationId));
    expect(new Set(ids).size).toBe(routes.length);

    const get = doc.paths['/api/memory/entry/get'].get;
    expect(get.parameters.find((p: any) => p.name === 'key')).toMatchObject({ in: 'query', required: true, schema: { type: 'string' } });
    expect(get.parameters.find((p: any) => p.name === 'namespace')).toMatchObject({ in: 'query', required: false });
    const list = doc.paths['/api/memory/entry/list'].get;
    expect(list.parameters.find((p: any) => p.name === 'limit').schema).toMatchObject({ type: 'integer', maximum: 10000 });
    const byKey = doc.paths['/api/memory/entry/{key}'];
    expect(byKey.get.parameters.find((p: any) => p.name === 'key')).toMatchObject({ in: 'path', required: true });
    expect(byKey.get.parameters.filter((p: any) => p.name === 'key')).toHaveLength(1);
    expect(byKey.delete.parameters.find((p: any) => p.name === 'force').schema.type).toBe('boolean');
    const set = doc.paths['/api/memory/entry/set'].post;
    expect(set.requestBody.required).toBe(true);
    expect(set.requestBody.content['application/json'].schema.required).toEqual(['key', 'value']);
    expect(doc.paths['/api/kernel/db/checkpoint'].post.requestBody.required).toBe(false);

    expect(doc.components.responses.Error404.content['application/json'].schema.allOf[1].properties.errorCode.enum).toEqual(['NOT_FOUND']);
    expect(doc.components.responses.Error500.content['application/json'].schema.allOf[1].properties.errorCode.enum).toContain('INTERNAL');

    // Every $ref points inside the document (zod's recursive JSON value was moved into components).
    const refs: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' ? refs.push(x as string) : walk(x);
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith('#/'), ref).toBe(true);
      const target = ref.slice(2).split('/').reduce((node: any, key) => node?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });
});
