/**
 * The daemon as a user meets it: started and stopped by the CLI, the same commands giving the same
 * output with and without it, events of CLI writes reaching /ws subscribers, and no acknowledged
 * write lost when it is stopped under load.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { assertBuilt, cleanup, show, workspace, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const running: Workspace[] = [];
afterEach(async () => {
  for (const ws of running.splice(0)) await ws.raos(['daemon', 'stop']);
});

async function startDaemon(ws: Workspace, extra: string[] = []) {
  const started = await ws.ok<{ url: string; pid: number; port: number; tokenFile: string; started: boolean }>(['daemon', 'start', '-p', '0', ...extra]);
  running.push(ws);
  return { ...started, token: readFileSync(started.tokenFile, 'utf8').trim() };
}

/** Strips what legitimately differs between two runs: times and the workspace folder. */
function normalise(text: string, root: string): string {
  return text
    .split(root)
    .join('<ws>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>');
}

describe('daemon lifecycle', () => {
  it('starts, says it runs, refuses to start twice, stops, and cleans up a stale pid file', async () => {
    const ws = await workspace();
    expect((await ws.ok(['daemon', 'status'])).running).toBe(false);
    const started = await startDaemon(ws);
    expect(started.started).toBe(true);
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    const status = await ws.ok(['daemon', 'status']);
    expect(status).toMatchObject({ running: true, pid: started.pid, url: started.url, port: started.port, tokenFile: started.tokenFile });
    expect(typeof status.uptimeMs).toBe('number');
    const again = await ws.ok(['daemon', 'start']);
    expect(again).toMatchObject({ started: false, alreadyRunning: true, pid: started.pid });
    const stopped = await ws.ok(['daemon', 'stop']);
    expect(stopped).toMatchObject({ stopped: true, pid: started.pid, forced: false });
    running.length = 0;
    expect((await ws.ok(['daemon', 'status'])).running).toBe(false);
    expect(await fetch(`${started.url}/healthz`).then(() => 'up', () => 'down')).toBe('down');

    // A daemon killed without cleaning up leaves daemon.json behind with a dead pid.
    writeFileSync(path.join(ws.dataDir, 'daemon.json'), JSON.stringify({ pid: 999_999, url: 'http://127.0.0.1:1', port: 1 }));
    expect((await ws.ok(['daemon', 'status'])).running).toBe(false);
    expect((await ws.ok(['memory', 'set', 'after', '1'])).key).toBe('after');
  });

  it('fails with UNAVAILABLE, not a hang, when the daemon stops answering', async () => {
    const ws = await workspace();
    const daemon = await startDaemon(ws);
    process.kill(daemon.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const error = await ws.fails(['memory', 'get', 'x', '-c', 'server.clientTimeoutMs=500'], 'UNAVAILABLE', 15);
      expect(error.message).toContain(daemon.url);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      process.kill(daemon.pid, 'SIGCONT');
    }
  });

  it('names a port that is already taken', async () => {
    const ws = await workspace();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await ws.raos(['daemon', 'start', '-p', String(port), '--json']);
      expect(r.code, show(['daemon', 'start'], r)).not.toBe(0);
      expect(r.json().error.message).toContain(String(port));
    } finally {
      blocker.close();
    }
  });
});

describe('one router, two doors', () => {
  it('gives the same output, errors and exit codes with and without the daemon', async () => {
    const script: string[][] = [
      ['memory', 'set', 'greeting', 'hello'],
      ['memory', 'set', 'player:1', '{"hp":10}', '--namespace', 'game'],
      ['memory', 'set', 'token', 'abc', '--scope', 'session:s1', '--ttl', '1h'],
      ['memory', 'get', 'greeting'],
      ['memory', 'get', 'player:1', '--namespace', 'game', '--json'],
      ['memory', 'list', '--json'],
      ['memory', 'list', '--pattern', 'player:*', '--namespace', 'game'],
      ['memory', 'get', 'missing', '--json'],
      ['memory', 'get', 'missing'],
      ['memory', 'set', 'bad key', '1', '--json'],
      ['memory', 'set', 'greeting', 'x', '--if-absent', '--json'],
      ['memory', 'delete', 'greeting', '--json'],
      ['memory', 'delete', 'greeting', '--json'],
      ['module', 'list', '--json'],
      ['module', 'info', 'nope', '--json'],
    ];
    const local = await workspace();
    const remote = await workspace();
    const daemon = await startDaemon(remote);
    for (const args of script) {
      const a = await local.raos(args);
      const b = await remote.raos(args);
      expect(b.code, `exit code of raos ${args.join(' ')}`).toBe(a.code);
      expect(normalise(b.stdout, remote.root), `stdout of raos ${args.join(' ')}`).toBe(normalise(a.stdout, local.root));
      expect(normalise(b.stderr, remote.root), `stderr of raos ${args.join(' ')}`).toBe(normalise(a.stderr, local.root));
    }
    // The remote side really went through the daemon: its tRPC door counted the calls.
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    const trpcCalls = [...metrics.matchAll(/^raos_http_requests_total\{route="trpc"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(trpcCalls).toBeGreaterThanOrEqual(script.length);
  });
});

describe('/ws event stream', () => {
  it('delivers the events of writes made by the CLI to a subscriber, and refuses a wrong token', async () => {
    const ws = await workspace();
    const daemon = await startDaemon(ws);
    const wsUrl = daemon.url.replace('http', 'ws') + '/ws';
    const refused = await new Promise<number>((resolve) => {
      const bad = new WebSocket(wsUrl, { headers: { authorization: 'Bearer nope' } });
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      bad.on('open', () => resolve(101));
      bad.on('error', () => {});
    });
    expect(refused).toBe(401);

    const client = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${daemon.token}` } });
    const messages: any[] = [];
    client.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((r) => client.once('open', r));
    client.send(JSON.stringify({ type: 'subscribe', topics: ['memory'] }));
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(pred()).toBe(true);
    };
    await until(() => messages.some((m) => m.type === 'subscribed'));
    await ws.ok(['memory', 'set', 'hero', '{"hp":3}']);
    await ws.ok(['memory', 'delete', 'hero']);
    await until(() => messages.filter((m) => m.eventType).length >= 2);
    const events = messages.filter((m) => m.eventType);
    expect(events.map((e) => e.eventType)).toEqual(['memory:set', 'memory:delete']);
    expect(events[0].payload).toMatchObject({ key: 'hero', namespace: 'default', scope: 'global' });
    expect(typeof events[0].timestamp).toBe('number');
    client.close();
  });
});

describe('graceful shutdown', () => {
  it('loses no acknowledged write when stopped under a write load', async () => {
    const ws = await workspace();
    const daemon = await startDaemon(ws);
    const acked: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const key = `w${w}-${i}`;
        const res = await fetch(`${daemon.url}/api/memory/entry/set`, {
          method: 'POST',
          headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ key, value: i }),
        }).catch(() => null);
        if (!res) return;
        const body = (await res.json().catch(() => null)) as { success?: boolean } | null;
        if (res.status === 200 && body?.success) acked.push(key);
        else return;
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 400));
    process.kill(daemon.pid, 'SIGTERM');
    const waitExit = async () => {
      for (let i = 0; i < 400; i++) {
        try {
          process.kill(daemon.pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('daemon did not exit within 10 s of SIGTERM');
    };
    await waitExit();
    stop = true;
    await Promise.all(writers);
    running.length = 0;
    expect(acked.length).toBeGreaterThan(20);
    const list = await ws.ok<{ items: { key: string }[] }>(['memory', 'list', '--limit', '10000']);
    const stored = new Set(list.items.map((i) => i.key));
    const lost = acked.filter((k) => !stored.has(k));
    expect(lost).toEqual([]);
    expect((await ws.raos(['db', 'check'])).code).toBe(0);
    const log = readFileSync(path.join(ws.dataDir, 'logs', 'daemon.log'), 'utf8');
    expect(log).toContain('daemon stopped');
  });
});
