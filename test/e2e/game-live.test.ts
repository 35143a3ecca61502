/**
 * Live play over /ws, as game clients meet it: two clients in one scene see each other's moves (one
 * coalesced delta per tick) and chat, a client in another scene sees none of it, a Guest may watch but
 * not move, and what was moved live survives a daemon restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { assertBuilt, cleanup, DIST_INDEX, sleep, workspace, useDaemons } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const daemons = useDaemons();
const startDaemon = daemons.start;

/** A /ws client that records every message and can wait for one matching a predicate. */
async function client(url: string, token: string) {
  // Before the socket exists: no message may arrive while we wait for the import.
  const { decodeBinaryTick } = await import(DIST_INDEX);
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const messages: any[] = [];
  const waiters: { test: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  socket.on('message', (data, isBinary) => {
    const m = isBinary ? { type: 'binary-tick', ...decodeBinaryTick(data as Buffer) } : JSON.parse(String(data));
    messages.push(m);
    for (const w of [...waiters]) if (w.test(m)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(m);
  });
  const next = (test: (m: any) => boolean, timeoutMs = 5000) =>
    new Promise<any>((resolve, reject) => {
      const found = messages.find(test);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 800)}`)), timeoutMs);
      waiters.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  await next((m) => m.type === 'ready');
  return { socket, messages, next, send: (m: unknown) => socket.send(JSON.stringify(m)), close: () => socket.close() };
}

describe('live play over /ws', () => {
  it('two clients in one scene see moves and chat; a client elsewhere sees none; a Guest may watch, not move', async () => {
    const ws = await workspace();
    const scene = await ws.ok<{ id: string }>(['game', 'scene', 'create', 'Arena']);
    await ws.ok(['game', 'scene', 'create', 'Elsewhere']);
    const hero = await ws.ok<{ id: string }>(['game', 'entity', 'create', 'Arena', 'hero', '--position', '0,0,0']);
    const room = await ws.ok<{ id: string }>(['game', 'chat', 'create', 'Arena', 'all', '--kind', 'zone']);
    await ws.ok(['auth', 'user', 'create', 'gus', '--role', 'Guest']);
    const guestToken = (await ws.ok<{ token: string }>(['auth', 'token', 'create', '--name', 'watch', '--user', 'gus'])).token;
    const daemon = await startDaemon(ws);

    const a = await client(daemon.url, daemon.ownerToken);
    const b = await client(daemon.url, daemon.ownerToken);
    const far = await client(daemon.url, daemon.ownerToken);
    const guest = await client(daemon.url, guestToken);
    a.send({ type: 'join', sceneId: 'Arena', ref: 'a1' });
    b.send({ type: 'join', sceneId: scene.id });
    far.send({ type: 'join', sceneId: 'Elsewhere' });
    guest.send({ type: 'join', sceneId: 'Arena' });
    const joined = await a.next((m) => m.type === 'joined');
    expect(joined).toMatchObject({ sceneId: scene.id, ref: 'a1', scene: { name: 'Arena' } });
    expect(joined.entities.map((e: { name: string }) => e.name)).toEqual(['hero']);
    await b.next((m) => m.type === 'joined');
    await far.next((m) => m.type === 'joined');
    await guest.next((m) => m.type === 'joined');

    // Several moves within one tick reach the others as one delta with the last position.
    for (let x = 1; x <= 4; x++) a.send({ type: 'move', entityId: hero.id, position: [x, 0, 0] });
    const tick = await b.next((m) => m.type === 'tick' && m.moves.some((row: any[]) => row[0] === hero.id && row[1] === 4));
    expect(tick.moves.filter((row: any[]) => row[0] === hero.id)).toEqual([[hero.id, 4, 0, 0, 0, 0, 0]]);
    await a.next((m) => m.type === 'tick');
    // Many moves in one message, as a simulation sends them.
    a.send({ type: 'moves', moves: [[hero.id, 7, 0, 1.23456, 0, 90, 0]] });
    await b.next((m) => m.type === 'tick' && m.moves.some((row: any[]) => row[0] === hero.id && row[1] === 7 && row[3] === 1.235 && row[5] === 90));

    b.send({ type: 'chat', room: room.id, text: 'gg' });
    const said = await a.next((m) => m.eventType === 'chat:message');
    expect(said).toMatchObject({ sceneId: scene.id, payload: { text: 'gg', room: room.id } });

    // A change through the CLI reaches the scene's clients too.
    await ws.ok(['game', 'entity', 'create', 'Arena', 'chest']);
    await a.next((m) => m.type === 'tick' && m.deltas.some((d: any) => d.eventType === 'entity:created' && d.payload.name === 'chest'));

    // The Guest watches but may not move.
    guest.send({ type: 'move', entityId: hero.id, position: [9, 9, 9], ref: 'g1' });
    const refused = await guest.next((m) => m.type === 'error');
    expect(refused).toMatchObject({ code: 'FORBIDDEN', ref: 'g1' });
    await guest.next((m) => m.eventType === 'chat:message');

    // A client that takes binary ticks gets the same moves, by handle.
    const bin = await client(daemon.url, daemon.ownerToken);
    bin.send({ type: 'join', sceneId: 'Arena', encoding: 'binary' });
    const binJoined = await bin.next((m) => m.type === 'joined');
    expect(binJoined.encoding).toBe('binary');
    const handle = binJoined.entities.find((e: { id: string }) => e.id === hero.id).handle;
    expect(handle).toEqual(expect.any(Number));
    a.send({ type: 'move', entityId: hero.id, position: [2.5, 1, -3], rotation: [0, 270, 0] });
    const binTick = await bin.next((m) => m.type === 'binary-tick' && m.moves.some((mv: any) => mv.handle === handle && mv.position[0] === 2.5));
    expect(binTick.sceneId).toBe(scene.id);
    expect(binTick.moves.find((mv: any) => mv.handle === handle)).toEqual({ handle, position: [2.5, 1, -3], rotation: [0, -90, 0] });
    bin.close();
    a.send({ type: 'moves', moves: [[hero.id, 7, 0, 1.23456, 0, 90, 0]] });
    await b.next((m) => m.type === 'tick' && m.moves.some((row: any[]) => row[0] === hero.id && row[1] === 7 && row[5] === 90));

    await sleep(200);
    expect(far.messages.filter((m) => m.type === 'tick' || m.eventType)).toEqual([]);
    for (const c of [a, b, far, guest]) c.close();

    // What was moved live is written when the daemon stops, and there after a restart.
    await ws.ok(['daemon', 'stop']);
    daemons.stopped(ws);
    expect((await ws.ok<{ position: number[] }>(['game', 'entity', 'show', hero.id])).position).toEqual([7, 0, 1.23456]);
    const again = await startDaemon(ws);
    const c = await client(again.url, again.ownerToken);
    c.send({ type: 'join', sceneId: 'Arena' });
    const snapshot = await c.next((m) => m.type === 'joined');
    expect(snapshot.entities.find((e: { id: string }) => e.id === hero.id).position).toEqual([7, 0, 1.23456]);
    c.close();
  });

  it('refuses moves of entities in scenes the client has not joined, and malformed moves', async () => {
    const ws = await workspace();
    await ws.ok(['game', 'scene', 'create', 'A']);
    await ws.ok(['game', 'scene', 'create', 'B']);
    const inB = await ws.ok<{ id: string }>(['game', 'entity', 'create', 'B', 'thing']);
    const daemon = await startDaemon(ws);
    const a = await client(daemon.url, daemon.ownerToken);
    a.send({ type: 'move', entityId: inB.id, position: [1, 1, 1], ref: 'x' });
    expect(await a.next((m) => m.type === 'error' && m.ref === 'x')).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('join') });
    a.send({ type: 'join', sceneId: 'A' });
    await a.next((m) => m.type === 'joined');
    a.send({ type: 'move', entityId: inB.id, position: [1, 1, 1], ref: 'y' });
    expect(await a.next((m) => m.type === 'error' && m.ref === 'y')).toMatchObject({ code: 'INVALID_INPUT' });
    a.send({ type: 'move', entityId: inB.id, position: [1, 'x', 1] });
    expect(await a.next((m) => m.type === 'error' && /position/.test(m.message))).toMatchObject({ code: 'INVALID_INPUT' });
    a.close();
  });
});
