import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { ownerTokenVerifier } from '../../src/daemon/auth.js';
import { createWsGateway, type WsGateway, type WsGatewayOptions } from '../../src/daemon/ws-gateway.js';
import { EventBus } from '../../src/kernel/events.js';
import { silentLogger } from '../../src/kernel/logger.js';

const TOKEN = 'test-token-0123456789';

type Metric = Parameters<NonNullable<WsGatewayOptions['onMetric']>>[0];

interface Harness {
  url: string;
  bus: EventBus;
  gateway: WsGateway;
  metrics: Metric[];
  connect(options?: { path?: string; headers?: Record<string, string>; ws?: ClientOptions }): TestClient;
}

interface TestClient {
  ws: WebSocket;
  /** The next JSON message from the server (fails after 3 s). */
  next(): Promise<any>;
  send(value: unknown): void;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Partial<WsGatewayOptions> = {}): Promise<Harness> {
  const bus = new EventBus();
  const metrics: Metric[] = [];
  const gateway = createWsGateway({
    bus,
    auth: ownerTokenVerifier(TOKEN),
    log: silentLogger,
    onMetric: (m) => metrics.push(m),
    ...options,
  });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}`;
  const sockets: WebSocket[] = [];
  cleanups.push(async () => {
    for (const ws of sockets) ws.terminate();
    await gateway.close({ timeoutMs: 200 });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const connect: Harness['connect'] = ({ path = `/ws?token=${TOKEN}`, headers, ws: wsOptions } = {}) => {
    const ws = new WebSocket(url + path, { headers, ...wsOptions });
    sockets.push(ws);
    return track(ws);
  };
  return { url, bus, gateway, metrics, connect };
}

function track(ws: WebSocket): TestClient {
  const queue: unknown[] = [];
  const waiters: ((value: unknown) => void)[] = [];
  ws.on('message', (data) => {
    const value = JSON.parse(data.toString());
    const waiter = waiters.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  });
  ws.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  opened.catch(() => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return {
    ws,
    opened,
    closed,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    next: () => {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message from the server within 3 s')), 3_000);
        waiters.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
}

/** A client that is authenticated (its `ready` consumed) and subscribed to `topics`. */
async function subscribed(h: Harness, topics: string[]): Promise<TestClient> {
  const client = h.connect();
  expect((await client.next()).type).toBe('ready');
  client.send({ type: 'subscribe', topics });
  expect(await client.next()).toEqual({ type: 'subscribed', topics: [...topics].sort() });
  return client;
}

/** Asserts nothing was queued for `client` before now: the answer to a ping comes first. */
async function expectNothingPending(client: TestClient): Promise<void> {
  client.send({ type: 'ping' });
  expect((await client.next()).type).toBe('pong');
}

/** The status code of a refused upgrade. */
function upgradeStatus(client: TestClient): Promise<number> {
  return new Promise((resolve) => client.ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
}

describe('ws gateway: connection and auth', () => {
  it("holds back the events a client may not see (another user's private memory scope)", async () => {
    const { eventVisibleTo } = await import('../../src/kernel/admin/events.js');
    const { BUILTIN_ROLE_TABLE, grantsOf } = await import('../../src/kernel/access.js');
    const alice = { kind: 'user' as const, id: 'u-alice', name: 'alice', role: 'User', grants: grantsOf(BUILTIN_ROLE_TABLE.get('User')!), origin: 'ws' as const };
    const verifier = { verify: (t: string | null | undefined) => (t === 'alice-token' ? alice : null) };
    const h = await start({ auth: verifier, visible: eventVisibleTo });
    const client = h.connect({ path: '/ws?token=alice-token' });
    expect((await client.next()).type).toBe('ready');
    client.send({ type: 'subscribe', topics: ['memory'] });
    await client.next();
    h.bus.publish('memory:set', { key: 'diary', scope: 'user:bob', namespace: 'default' });
    h.bus.publish('memory:set', { key: 'notes', scope: 'user:alice', namespace: 'default' });
    h.bus.publish('memory:set', { key: 'motd', scope: 'global', namespace: 'default' });
    expect(((await client.next()) as { payload: { key: string } }).payload.key).toBe('notes');
    expect(((await client.next()) as { payload: { key: string } }).payload.key).toBe('motd');
    await expectNothingPending(client);
  });

  it('authenticates with an Authorization header and says ready', async () => {
    const h = await start();
    const client = h.connect({ path: '/ws', headers: { authorization: `Bearer ${TOKEN}` } });
    const ready = await client.next();
    expect(ready).toMatchObject({ type: 'ready', actor: { kind: 'owner', role: 'SuperAdmin' } });
    expect(typeof ready.actor.name).toBe('string');
    expect(ready.actor).not.toHaveProperty('ip');
    expect(h.gateway.clientCount).toBe(1);
  });

  it('authenticates with a ?token= query', async () => {
    const h = await start();
    const client = h.connect({ path: `/ws?token=${TOKEN}` });
    expect(await client.next()).toMatchObject({ type: 'ready', actor: { role: 'SuperAdmin' } });
  });

  it('authenticates with a first auth message (browsers)', async () => {
    const h = await start();
    const client = h.connect({ path: '/ws' });
    await client.opened;
    client.send({ type: 'auth', token: TOKEN });
    expect(await client.next()).toMatchObject({ type: 'ready', actor: { role: 'SuperAdmin' } });
    client.send({ type: 'subscribe', topics: ['memory'] });
    expect(await client.next()).toEqual({ type: 'subscribed', topics: ['memory'] });
  });

  it('refuses the upgrade with 401 for a bad token in the header or the query', async () => {
    const h = await start();
    const byHeader = h.connect({ path: '/ws', headers: { authorization: 'Bearer wrong' } });
    const byQuery = h.connect({ path: '/ws?token=wrong' });
    const emptyQuery = h.connect({ path: '/ws?token=' });
    expect(await upgradeStatus(byHeader)).toBe(401);
    expect(await upgradeStatus(byQuery)).toBe(401);
    expect(await upgradeStatus(emptyQuery)).toBe(401);
    expect(h.gateway.clientCount).toBe(0);
    expect(h.metrics.filter((m) => m.type === 'open')).toHaveLength(0);
  });

  it('closes with 4401 for a bad or missing token in the first message', async () => {
    const h = await start();
    const bad = h.connect({ path: '/ws' });
    const missing = h.connect({ path: '/ws' });
    await Promise.all([bad.opened, missing.opened]);
    bad.send({ type: 'auth', token: 'wrong' });
    missing.send({ type: 'auth' });
    expect(await bad.closed).toEqual({ code: 4401, reason: 'invalid token' });
    expect(await missing.closed).toEqual({ code: 4401, reason: 'missing token' });
  });

  it('closes with 4401 for any other message before auth', async () => {
    const h = await start();
    const early = h.connect({ path: '/ws' });
    const garbage = h.connect({ path: '/ws' });
    await Promise.all([early.opened, garbage.opened]);
    early.send({ type: 'subscribe', topics: ['memory'] });
    garbage.send('not json');
    expect((await early.closed).code).toBe(4401);
    expect((await early.closed).reason).toMatch(/authenticate first/);
    expect((await garbage.closed).code).toBe(4401);
  });

  it('closes with 4401 when no auth arrives within authTimeoutMs', async () => {
    const h = await start({ authTimeoutMs: 100 });
    const client = h.connect({ path: '/ws' });
    await client.opened;
    expect(await client.closed).toEqual({ code: 4401, reason: 'authentication timed out' });
  });

  it('tracks connections in clientCount and metrics', async () => {
    const h = await start();
    const clients = [h.connect(), h.connect(), h.connect({ path: '/ws' })];
    await Promise.all(clients.map((c) => c.opened));
    await vi.waitFor(() => expect(h.gateway.clientCount).toBe(3));
    clients[0].ws.close();
    await vi.waitFor(() => expect(h.gateway.clientCount).toBe(2));
    expect(h.metrics.filter((m) => m.type === 'open')).toHaveLength(3);
    expect(h.metrics.filter((m) => m.type === 'close')).toHaveLength(1);
  });
});

describe('ws gateway: subscriptions and events', () => {
  it('sends each event exactly as published to clients subscribed to its topic, and only to them', async () => {
    const h = await start();
    const memory = await subscribed(h, ['memory']);
    const game = await subscribed(h, ['game']);
    const all = await subscribed(h, ['*']);

    const event = h.bus.publish('memory:set', { key: 'greeting', value: 'hello' });
    expect(await memory.next()).toEqual(event);
    expect(await all.next()).toEqual(event);
    await expectNothingPending(game);

    const gameEvent = h.bus.publish('game:tick', { n: 1 }, 1_764_000_000_000);
    expect(await game.next()).toEqual({ eventType: 'game:tick', payload: { n: 1 }, timestamp: 1_764_000_000_000 });
    expect(await all.next()).toEqual(gameEvent);
    await expectNothingPending(memory);
    expect(h.metrics.filter((m) => m.type === 'delivered').map((m) => m.count)).toEqual([2, 2]);
  });

  it('stops delivery after unsubscribe and answers with the current topics', async () => {
    const h = await start();
    const client = await subscribed(h, ['memory', 'game']);
    client.send({ type: 'unsubscribe', topics: ['memory', 'never-subscribed'] });
    expect(await client.next()).toEqual({ type: 'subscribed', topics: ['game'] });
    h.bus.publish('memory:set', { key: 'k' });
    await expectNothingPending(client);
    client.send({ type: 'subscribe', topics: ['memory'] });
    expect(await client.next()).toEqual({ type: 'subscribed', topics: ['game', 'memory'] });
  });

  it('serialises each event once per publish and subscribes to the bus once', async () => {
    const h = await start();
    const clients = await Promise.all([1, 2, 3, 4].map(() => subscribed(h, ['memory'])));
    expect(h.bus.listenerCount).toBe(1);
    let serialised = 0;
    h.bus.publish('memory:set', {
      toJSON() {
        serialised++;
        return { key: 'k' };
      },
    });
    for (const client of clients) expect((await client.next()).payload).toEqual({ key: 'k' });
    expect(serialised).toBe(1);
  });

  it('answers malformed messages with an error naming the field and stays open', async () => {
    const h = await start();
    const client = h.connect();
    await client.next();
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [[1, 2], /JSON object with a string field "type"/],
      [{ topics: ['memory'] }, /^type: /],
      [{ type: 'launch' }, /^type: unknown message type "launch"/],
      [{ type: 'subscribe' }, /^topics: /],
      [{ type: 'subscribe', topics: [] }, /^topics: /],
      [{ type: 'subscribe', topics: ['memory:set'] }, /^topics\.0: .*before ':'/],
    ];
    for (const [message, pattern] of cases) {
      client.send(message);
      const reply = await client.next();
      expect(reply).toMatchObject({ type: 'error', code: 'INVALID_INPUT' });
      expect(reply.message).toMatch(pattern);
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    await expectNothingPending(client);
  });

  it('closes with 1009 on a message larger than 64 KiB', async () => {
    const h = await start();
    const client = h.connect();
    await client.next();
    client.send({ type: 'ping', pad: 'x'.repeat(64 * 1024) });
    expect((await client.closed).code).toBe(1009);
  });
});

describe('ws gateway: keep-alive and back-pressure', () => {
  it('answers an application ping with a pong carrying the time', async () => {
    const h = await start();
    const client = h.connect();
    await client.next();
    const before = Date.now();
    client.send({ type: 'ping' });
    const pong = await client.next();
    expect(pong.type).toBe('pong');
    expect(pong.timestamp).toBeGreaterThanOrEqual(before);
    expect(pong.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('terminates a peer that does not answer protocol pings, and keeps one that does', async () => {
    const h = await start({ pingIntervalMs: 100 });
    const alive = h.connect();
    const dead = h.connect({ ws: { autoPong: false } });
    await Promise.all([alive.next(), dead.next()]);
    expect((await dead.closed).code).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(h.gateway.clientCount).toBe(1);
  });

  it('closes a slow consumer with 1013 instead of buffering without bound', async () => {
    const h = await start({ maxBufferedBytes: 16 * 1024 });
    const slow = await subscribed(h, ['memory']);
    const fast = await subscribed(h, ['memory']);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    const payload = { blob: 'x'.repeat(64 * 1024) };
    for (let i = 0; i < 400 && !h.metrics.some((m) => m.type === 'dropped'); i++) {
      h.bus.publish('memory:set', payload);
      // The fast client keeps reading, so only the paused one falls behind.
      await fast.next();
    }
    expect(h.metrics.filter((m) => m.type === 'dropped')).toEqual([{ type: 'dropped', count: 1 }]);

    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slow.closed).toEqual({ code: 1013, reason: 'slow consumer' });
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('ws gateway: close()', () => {
  it('tells every client to reconnect with 1012, resolves, and refuses new upgrades', async () => {
    const h = await start();
    const a = await subscribed(h, ['memory']);
    const b = h.connect();
    const pending = h.connect({ path: '/ws' });
    await Promise.all([b.next(), pending.opened]);
    expect(h.gateway.clientCount).toBe(3);

    await h.gateway.close();
    for (const client of [a, b, pending]) {
      expect(await client.closed).toEqual({ code: 1012, reason: 'server restarting' });
    }
    expect(h.gateway.clientCount).toBe(0);
    expect(h.bus.listenerCount).toBe(0);

    const late = h.connect();
    expect(await upgradeStatus(late)).toBe(503);
  });

  it('terminates clients that do not close within timeoutMs', async () => {
    const h = await start();
    const stuck = await subscribed(h, ['memory']);
    // A paused client never reads the close frame, so it never answers it.
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const started = Date.now();
    await h.gateway.close({ timeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(h.gateway.clientCount).toBe(0);
  });

  it('rejects a close reason longer than a close frame allows', async () => {
    const h = await start();
    await expect(h.gateway.close({ reason: 'x'.repeat(124) })).rejects.toThrow(/reason: at most 123 bytes/);
    await expect(h.gateway.close({ code: 1005 })).rejects.toThrow(/code: 1005/);
  });
});
