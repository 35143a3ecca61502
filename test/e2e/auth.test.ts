/**
 * Users, tokens, permissions, the audit trail and rate limits as a user meets them: through the built
 * CLI, with and without the daemon, and on each of the daemon's doors (REST, tRPC over HTTP, /ws).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { assertBuilt, cleanup, sleep, workspace, useDaemons, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const daemons = useDaemons();
const startDaemon = daemons.start;

const PASSWORD = 'Tr0ub4dor&3-correct-horse';

async function login(ws: Workspace, name: string, password = PASSWORD) {
  return ws.ok<{ token: string; expiresAt: string; user: { name: string; role: string } }>(['auth', 'login', name, '--password-stdin'], {
    input: `${password}\n`,
  });
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('users and sessions through the CLI', () => {
  it('creates users, logs in, acts as the token user, logs out; nothing secret is stored in clear', async () => {
    const ws = await workspace();
    await ws.ok(['auth', 'user', 'create', 'alice', '--role', 'User', '--email', 'alice@example.com', '--password-stdin'], { input: `${PASSWORD}\n` });
    await ws.ok(['auth', 'user', 'create', 'mod', '--role', 'Moderator']);
    const session = await login(ws, 'alice');
    expect(session.token).toMatch(/^raos_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect(session.user).toMatchObject({ name: 'alice', role: 'User' });

    const asAlice = { env: { RAOS_TOKEN: session.token } };
    expect(await ws.ok(['auth', 'whoami'], asAlice)).toMatchObject({ kind: 'user', name: 'alice', role: 'User' });
    await ws.ok(['memory', 'set', 'note', '"hi"', '--scope', 'user:alice'], asAlice);
    const denied = await ws.fails(['db', 'status'], 'FORBIDDEN', 6, asAlice);
    expect(denied.message).toBe("alice (role User) lacks the permission 'db.read'");
    await ws.fails(['memory', 'get', 'x', '--scope', 'user:mod'], 'FORBIDDEN', 6, asAlice);
    // The owner checks what a user may do with --as.
    expect(await ws.ok(['auth', 'whoami', '--as', 'mod'])).toMatchObject({ name: 'mod', role: 'Moderator', actingOwner: true });
    await ws.fails(['auth', 'user', 'create', 'eve', '--role', 'User', '--as', 'mod'], 'FORBIDDEN', 6);

    const api = await ws.ok<{ token: string; id: string; role: string }>(['auth', 'token', 'create', '--name', 'ci', '--role', 'Guest'], asAlice);
    expect(api.role).toBe('Guest');
    await ws.fails(['memory', 'set', 'k', '1'], 'FORBIDDEN', 6, { env: { RAOS_TOKEN: api.token } });
    expect((await ws.ok<{ id: string }[]>(['auth', 'token', 'list'], asAlice)).map((t) => t.id)).toContain(api.id);

    await ws.ok(['auth', 'logout'], asAlice);
    await ws.fails(['auth', 'whoami'], 'UNAUTHORIZED', 5, asAlice);
    await ws.fails(['auth', 'whoami'], 'UNAUTHORIZED', 5, { env: { RAOS_TOKEN: 'raos_0123456789abcdef_' + 'x'.repeat(43) } });

    // Not the password, not a session or API token, not a token's secret: in no file of the workspace.
    // The secret is everything after `raos_<16 hex>_` (it may itself hold `_`: split('_') once gave '' and flaked).
    const secretOf = (token: string) => token.slice('raos_0123456789abcdef_'.length);
    const secrets = [PASSWORD, session.token, secretOf(session.token), api.token, secretOf(api.token)];
    expect(secrets.every((s) => s.length >= 16)).toBe(true);
    const files = filesUnder(ws.root);
    expect(files.some((f) => f.endsWith('auth.db') || /auth\.db\.journal-/.test(f))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `${secret.slice(0, 12)}… found in ${file}`).toBe(false);
    }
  });

  it('an expired token stops working; a revoked one too, also on a connection the daemon keeps open', async () => {
    const ws = await workspace();
    await ws.ok(['auth', 'user', 'create', 'bob', '--role', 'User']);
    const short = await ws.ok<{ token: string }>(['auth', 'token', 'create', '--name', 'short', '--user', 'bob', '--expires', '1s']);
    expect((await ws.ok(['auth', 'whoami'], { env: { RAOS_TOKEN: short.token } })).name).toBe('bob');
    await sleep(1200);
    await ws.fails(['auth', 'whoami'], 'UNAUTHORIZED', 5, { env: { RAOS_TOKEN: short.token } });

    const daemon = await startDaemon(ws);
    const long = await ws.ok<{ token: string; id: string }>(['auth', 'token', 'create', '--name', 'long', '--user', 'bob']);
    const get = () => fetch(`${daemon.url}/api/auth/session/whoami`, { headers: { authorization: `Bearer ${long.token}` } });
    expect((await get()).status).toBe(200);
    await ws.ok(['auth', 'token', 'revoke', long.id]);
    const after = await get();
    expect(after.status).toBe(401);
    expect(((await after.json()) as any).errorCode).toBe('UNAUTHORIZED');
    // An open /ws connection of a token revoked meanwhile is closed with 4401.
    const live = await ws.ok<{ token: string; id: string }>(['auth', 'token', 'create', '--name', 'live', '--user', 'bob']);
    const sock = new WebSocket(`${daemon.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${live.token}` } });
    const ready = new Promise((r) => sock.once('message', r));
    const closed = new Promise<number>((r) => sock.once('close', (code) => r(code)));
    await ready;
    await ws.ok(['auth', 'token', 'revoke', live.id]);
    expect(await closed).toBe(4401);
    // Disabling a user cuts their remaining tokens as well.
    const other = await ws.ok<{ token: string }>(['auth', 'token', 'create', '--name', 'other', '--user', 'bob']);
    await ws.ok(['auth', 'user', 'disable', 'bob', '--reason', 'test']);
    await ws.fails(['auth', 'whoami'], 'UNAUTHORIZED', 5, { env: { RAOS_TOKEN: other.token } });
  });

  it('failed logins slow down, then lock the account, even for the right password', async () => {
    const ws = await workspace();
    await ws.ok(['config', 'set', 'auth.maxLoginAttempts', '3']);
    await ws.ok(['auth', 'user', 'create', 'carol', '--role', 'User', '--password-stdin'], { input: `${PASSWORD}\n` });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const error = await ws.fails(['auth', 'login', 'carol', '--password-stdin'], 'UNAUTHORIZED', 5, { input: 'wrong password\n' });
      times.push(Date.now() - started);
      expect(error.message).toBe('wrong user name or password');
    }
    const locked = await ws.fails(['auth', 'login', 'carol', '--password-stdin'], 'RATE_LIMITED', 7, { input: `${PASSWORD}\n` });
    expect(locked.message).toMatch(/locked/);
    expect(times[1]).toBeGreaterThan(400);
    // An unknown name fails exactly like a wrong password.
    const unknown = await ws.fails(['auth', 'login', 'nobody', '--password-stdin'], 'UNAUTHORIZED', 5, { input: 'whatever1\n' });
    expect(unknown.message).toBe('wrong user name or password');
    // The owner lifts the lock.
    await ws.ok(['auth', 'user', 'enable', 'carol']);
    expect((await login(ws, 'carol')).user.name).toBe('carol');

    const trail = await ws.ok<{ entries: { action: string; outcome: string; code: string | null; target: string }[] }>(['audit', 'list', '--action', 'auth.login']);
    expect(trail.entries.filter((e) => e.target === 'carol' && e.outcome === 'denied').length).toBeGreaterThanOrEqual(4);
    expect(trail.entries.find((e) => e.target === 'carol' && e.outcome === 'ok')).toBeDefined();
  });
});

describe('the audit trail', () => {
  it('records writes and denied attempts with actor, action, target, outcome and origin; reads are not recorded', async () => {
    const ws = await workspace();
    await ws.ok(['auth', 'user', 'create', 'dave', '--role', 'Guest']);
    await ws.ok(['memory', 'set', 'a', '1']);
    await ws.ok(['memory', 'get', 'a']);
    await ws.fails(['memory', 'set', 'b', '2', '--as', 'dave'], 'FORBIDDEN', 6);
    const { entries } = await ws.ok<{ entries: any[] }>(['audit', 'list']);
    const actions = entries.map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(['memory.set:denied', 'memory.set:ok', 'auth.user.create:ok']);
    expect(entries[0]).toMatchObject({ actor: { name: 'dave', role: 'Guest' }, target: 'global/default/b', code: 'FORBIDDEN', origin: 'cli' });
    expect(entries[1]).toMatchObject({ actor: { kind: 'owner', role: 'SuperAdmin' }, target: 'global/default/a', code: null });
    expect((await ws.ok<{ entries: unknown[] }>(['audit', 'list', '--actor', 'dave'])).entries).toHaveLength(1);
    expect((await ws.ok<{ entries: unknown[] }>(['audit', 'list', '--action', 'auth.*'])).entries).toHaveLength(1);
    expect((await ws.ok<{ entries: unknown[] }>(['audit', 'list', '--outcome', 'denied', '--since', '1h'])).entries).toHaveLength(1);
    // There is no command that edits it.
    for (const verb of ['delete', 'clear', 'edit', 'update']) expect((await ws.raos(['audit', verb])).code).not.toBe(0);
  });
});

describe('rate limits on every door', () => {
  it('answer 429 with Retry-After on REST and tRPC, RATE_LIMITED on /ws and through the CLI (exit 7)', async () => {
    const ws = await workspace();
    await ws.ok(['config', 'set', 'rateLimits.default.perMinute', '3']);
    await ws.ok(['auth', 'user', 'create', 'erin', '--role', 'User']);
    const daemon = await startDaemon(ws);
    const token = async (name: string) => (await ws.ok<{ token: string }>(['auth', 'token', 'create', '--name', name, '--user', 'erin'])).token;

    // REST
    const rest = await token('rest');
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${daemon.url}/api/memory/entry/list`, { headers: { authorization: `Bearer ${rest}` } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last!.json()).toMatchObject({ success: false, errorCode: 'RATE_LIMITED' });

    // The owner is not limited.
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${daemon.url}/api/memory/entry/list`, { headers: { authorization: `Bearer ${daemon.ownerToken}` } })).status).toBe(200);
    }

    // tRPC over HTTP: the limit is per actor, so erin stays limited whatever the door.
    const trpc = await fetch(`${daemon.url}/trpc/memory.list?input=${encodeURIComponent('{}')}`, { headers: { authorization: `Bearer ${rest}` } });
    expect(trpc.status).toBe(429);
    expect(Number(trpc.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await trpc.json()) as any).error.data.raos.code).toBe('RATE_LIMITED');

    // The CLI through the daemon
    const cli = await ws.fails(['memory', 'list'], 'RATE_LIMITED', 7, { env: { RAOS_TOKEN: rest } });
    expect(cli.message).toContain('3 per minute');

    // /ws: subscribe is an operation too (of the events module, which has its own count)
    const ws2 = new WebSocket(`${daemon.url.replace('http', 'ws')}/ws?token=${rest}`);
    const messages: any[] = [];
    ws2.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((r) => ws2.once('open', r));
    for (let i = 0; i < 4; i++) ws2.send(JSON.stringify({ type: 'subscribe', topics: ['memory'] }));
    for (let i = 0; i < 50 && !messages.some((m) => m.type === 'error'); i++) await sleep(20);
    ws2.close();
    expect(messages.filter((m) => m.type === 'subscribed')).toHaveLength(3);
    expect(messages.find((m) => m.type === 'error')).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });

    // The first refusal of each window is in the audit trail (once, not once per refused call).
    const { entries } = await ws.ok<{ entries: { code: string; action: string }[] }>(['audit', 'list', '--actor', 'erin', '--outcome', 'denied']);
    expect(entries.filter((e) => e.code === 'RATE_LIMITED').map((e) => e.action)).toEqual(['events.subscribe', 'memory.list']);
  });

  it('login through REST needs no token; everything else without one is 401', async () => {
    const ws = await workspace();
    await ws.ok(['auth', 'user', 'create', 'frank', '--role', 'User', '--password-stdin'], { input: `${PASSWORD}\n` });
    const daemon = await startDaemon(ws);
    const res = await fetch(`${daemon.url}/api/auth/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'frank', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as any;
    expect(data.user.name).toBe('frank');
    const me = await fetch(`${daemon.url}/api/auth/session/whoami`, { headers: { authorization: `Bearer ${data.token}` } });
    expect(((await me.json()) as any).data).toMatchObject({ name: 'frank', role: 'User', origin: 'rest' });
    for (const p of ['/api/memory/entry/list', '/api/auth/session/whoami', '/api/audit/entry/list']) {
      expect((await fetch(`${daemon.url}${p}`)).status, p).toBe(401);
    }
    // A subscriber with a user token gets only topics it may read.
    const sock = new WebSocket(`${daemon.url.replace('http', 'ws')}/ws?token=${data.token}`);
    const got: any[] = [];
    sock.on('message', (m) => got.push(JSON.parse(String(m))));
    await new Promise((r) => sock.once('open', r));
    sock.send(JSON.stringify({ type: 'subscribe', topics: ['auth'] }));
    for (let i = 0; i < 50 && !got.some((m) => m.type === 'error'); i++) await sleep(20);
    sock.close();
    expect(got.find((m) => m.type === 'error')).toMatchObject({ code: 'FORBIDDEN' });
  });
});
