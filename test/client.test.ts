import { afterEach, describe, expect, it } from 'vitest';
import { createClient, startDaemon, type AppRouter, type RunningDaemon } from '../src/index.js';
import { loadConfig } from '../src/kernel/config.js';
import { toRaosError } from '../src/kernel/errors.js';
import { silentLogger } from '../src/kernel/logger.js';
import { initWorkspace } from '../src/kernel/workspace.js';
import { useTempDirs } from './helpers.js';

const tempDir = useTempDirs();
let daemon: RunningDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

describe('createClient (the package export for client projects)', () => {
  it('calls queries and mutations over HTTP and streams events over WebSocket, typed by AppRouter', async () => {
    const { root } = initWorkspace(tempDir());
    daemon = await startDaemon({ root, config: loadConfig({ root, env: {} }).config, log: silentLogger, version: 't', host: '127.0.0.1', port: 0 });
    const raos = createClient({ url: daemon.url, token: daemon.token });
    const events: string[] = [];
    const done = new Promise<void>((resolve) => {
      const sub = raos.events.subscribe.subscribe(
        { topics: ['memory'] },
        {
          onData: (e) => {
            events.push(e.eventType);
            sub.unsubscribe();
            resolve();
          },
        },
      );
    });
    await new Promise((r) => setTimeout(r, 150));
    const set = await raos.memory.set.mutate({ key: 'k', value: { n: 1 } });
    // Typed: `created` is a boolean on the result of memory.set.
    const created: boolean = set.created;
    expect(created).toBe(true);
    expect((await raos.memory.get.query({ key: 'k' })).value).toEqual({ n: 1 });
    await done;
    expect(events).toEqual(['memory:set']);
    const wrong = createClient({ url: daemon.url, token: 'wrong' });
    expect(toRaosError(await wrong.memory.get.query({ key: 'k' }).catch((e: unknown) => e)).code).toBe('UNAUTHORIZED');
    raos.close();
    wrong.close();
    // The type a client project imports.
    const typed: AppRouter | undefined = undefined;
    expect(typed).toBeUndefined();
  });

  it('streams the Game Engine events to tRPC subscribers: per-operation events and the coalesced ticks', async () => {
    const { root } = initWorkspace(tempDir());
    daemon = await startDaemon({ root, config: loadConfig({ root, env: {} }).config, log: silentLogger, version: 't', host: '127.0.0.1', port: 0 });
    const raos = createClient({ url: daemon.url, token: daemon.token });
    const events: { eventType: string; payload: any }[] = [];
    const gotTick = new Promise<void>((resolve) => {
      const sub = raos.events.subscribe.subscribe(
        { topics: ['game'] },
        {
          onData: (e) => {
            events.push(e as never);
            if (e.eventType === 'game:tick') {
              sub.unsubscribe();
              resolve();
            }
          },
        },
      );
    });
    await new Promise((r) => setTimeout(r, 150));
    const scene = await raos.game.scene.create.mutate({ name: 'Typed' });
    const entity = await raos.game.entity.create.mutate({ scene: scene.id, name: 'hero', position: [1, 2, 3] });
    await gotTick;
    expect(events.map((e) => e.eventType).slice(0, 3)).toEqual(['game:scene:created', 'game:entity:created', 'game:tick']);
    const tick = events.find((e) => e.eventType === 'game:tick')!.payload;
    expect(tick.sceneId).toBe(scene.id);
    expect(tick.deltas[0]).toMatchObject({ eventType: 'entity:created', payload: { id: entity.id, position: [1, 2, 3], handle: expect.any(Number) } });
    raos.close();
  });
});
