import { existsSync, statSync } from 'node:fs';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../../src/app.js';
import { loadConfig } from '../../src/kernel/config.js';
import { toRaosError } from '../../src/kernel/errors.js';
import { silentLogger } from '../../src/kernel/logger.js';
import { initWorkspace } from '../../src/kernel/workspace.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/server.js';
import { readDaemonState, readToken, stateFile, tokenFile } from '../../src/daemon/state.js';
import { useTempDirs } from '../helpers.js';

const tempDir = useTempDirs();
let daemon: RunningDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

async function start(env: NodeJS.ProcessEnv = {}) {
  const { root } = initWorkspace(tempDir());
  const { config } = loadConfig({ root, env });
  daemon = await startDaemon({ root, config, log: silentLogger, version: '0.0.0-test', host: '127.0.0.1', port: 0 });
  return { root, daemon };
}

const client = (url: string, token: string) =>
  createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${token}` } })] });

describe('startDaemon', () => {
  it('announces itself in daemon.json and a 0600 token file, and removes both on close', async () => {
    const { daemon: d } = await start();
    const dataDir = d.kernel.paths.dataDir;
    expect(readDaemonState(dataDir)).toMatchObject({ pid: process.pid, url: d.url, port: d.port, version: '0.0.0-test' });
    expect(readToken(dataDir)).toBe(d.token);
    expect(statSync(tokenFile(dataDir)).mode & 0o777).toBe(0o600);
    await d.close();
    daemon = undefined;
    expect(existsSync(stateFile(dataDir))).toBe(false);
    expect(existsSync(tokenFile(dataDir))).toBe(false);
  });

  it('answers health publicly, and 401 without a valid token everywhere else', async () => {
    const { daemon: d } = await start();
    const health = await fetch(`${d.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: '0.0.0-test' });
    expect((await fetch(`${d.url}/readyz`)).status).toBe(200);
    for (const path of ['/trpc/memory.list', '/api/memory/entry/list', '/nowhere']) {
      expect((await fetch(`${d.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${d.url}${path}`, { headers: { authorization: 'Bearer wrong' } })).status, path).toBe(401);
    }
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    expect(metrics).toContain('raos_http_requests_total');
    expect(metrics).toContain('raos_module_state{module="memory",state="ready"} 1');
  });

  it('with server.publicHealth off, health, metrics and the OpenAPI document need a token too', async () => {
    const { daemon: d } = await start({ RAOS_SERVER_PUBLIC_HEALTH: 'false' });
    for (const path of ['/healthz', '/metrics', '/api/openapi.json']) {
      expect((await fetch(`${d.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${d.url}${path}`, { headers: { authorization: `Bearer ${d.token}` } })).status, path).toBe(200);
    }
  });

  it('serves the AppRouter over HTTP with plain JSON, errors carrying raos codes', async () => {
    const { daemon: d } = await start();
    const trpc = client(d.url, d.token);
    await trpc.memory.set.mutate({ key: 'greeting', value: { hello: 'world' } });
    expect((await trpc.memory.get.query({ key: 'greeting' })).value).toEqual({ hello: 'world' });
    const raw = await fetch(`${d.url}/trpc/memory.get?input=${encodeURIComponent(JSON.stringify({ key: 'greeting' }))}`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    expect(((await raw.json()) as { result: { data: { value: unknown } } }).result.data.value).toEqual({ hello: 'world' });
    const err = await trpc.memory.get.query({ key: 'missing' }).catch((e: unknown) => e);
    expect(toRaosError(err).code).toBe('NOT_FOUND');
    const bad = await trpc.memory.set.mutate({ key: 'a b', value: 1 }).catch((e: unknown) => e);
    expect(toRaosError(bad).code).toBe('INVALID_INPUT');
  });

  it('streams bus events to tRPC WebSocket subscribers', async () => {
    const { daemon: d } = await start();
    const wsClient = createWSClient({ url: `${d.url.replace('http', 'ws')}/trpc?token=${d.token}`, WebSocket: WebSocket as never });
    const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    const seen: string[] = [];
    const got = new Promise<void>((resolve) => {
      const sub = trpc.events.subscribe.subscribe(
        { topics: ['memory'] },
        {
          onData: (event) => {
            seen.push(event.eventType);
            if (seen.length === 2) {
              sub.unsubscribe();
              resolve();
            }
          },
        },
      );
    });
    // Give the subscription a moment to reach the server before writing.
    await new Promise((r) => setTimeout(r, 100));
    const http = client(d.url, d.token);
    await http.memory.set.mutate({ key: 'k', value: 1 });
    await http.memory.delete.mutate({ key: 'k' });
    await got;
    expect(seen).toEqual(['memory:set', 'memory:delete']);
    wsClient.close();
  });

  it("a tRPC WebSocket stops acting for a user whose token was revoked while it stayed open", async () => {
    const { daemon: d } = await start();
    const { ownerActor } = await import('../../src/kernel/actor.js');
    const auth = await d.kernel.service<import('../../src/modules/auth/service.js').AuthService>('auth');
    await auth.createUser(ownerActor('internal'), { name: 'alice', role: 'User' });
    const made = await auth.createToken(ownerActor('internal'), { name: 'ws', user: 'alice' });
    const wsClient = createWSClient({ url: `${d.url.replace('http', 'ws')}/trpc?token=${made.token}`, WebSocket: WebSocket as never });
    const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    expect((await trpc.auth.whoami.query({})).name).toBe('alice');
    await auth.revokeToken(ownerActor('internal'), { id: made.id });
    const after = await trpc.memory.list.query({}).then(
      () => 'OK',
      (err: unknown) => toRaosError(err).code,
    );
    expect(after).toBe('UNAUTHORIZED');
    wsClient.close();
  });

  it('refuses a port that is taken, naming it', async () => {
    const { daemon: d } = await start();
    const { root } = initWorkspace(tempDir());
    const { config } = loadConfig({ root, env: {} });
    await expect(startDaemon({ root, config, log: silentLogger, version: 'x', host: '127.0.0.1', port: d.port })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(String(d.port)),
    });
  });

  it('finishes requests in flight and keeps every acknowledged write across a close', async () => {
    const { root, daemon: d } = await start();
    const trpc = client(d.url, d.token);
    let firstAck: () => void = () => {};
    const someAcked = new Promise<void>((r) => (firstAck = r));
    const writes = Array.from({ length: 200 }, (_, i) =>
      trpc.memory.set.mutate({ key: `k${i}`, value: i }).then(
        () => (firstAck(), i),
        () => -1,
      ),
    );
    // Close while writes are in flight: once the first is acknowledged (however slow the machine is).
    await someAcked;
    const closing = d.close();
    const acked = (await Promise.all(writes)).filter((i) => i >= 0);
    await closing;
    daemon = undefined;
    const { config } = loadConfig({ root, env: {} });
    const again = await startDaemon({ root, config, log: silentLogger, version: 'x', host: '127.0.0.1', port: 0 });
    daemon = again;
    const { items } = await client(again.url, again.token).memory.list.query({ limit: 1000 });
    const stored = new Set(items.map((e) => e.key));
    for (const i of acked) expect(stored.has(`k${i}`), `k${i} was acknowledged`).toBe(true);
    expect(acked.length).toBeGreaterThan(0);
  });
});
