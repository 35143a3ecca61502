import type { BuiltinModule } from '../../kernel/kernel.js';
import { migrations, type GameTables } from './migrations.js';
import type { GameService } from './service.js';

/** The seed's LegendaryGameEngine: scenes, entities with components, in-game chat, generated worlds. */
export const gameModule: BuiltinModule<GameService> = {
  name: 'game',
  version: '1.0.0',
  description: 'Game engine: scenes, entity hierarchies with typed components, in-game chat, worlds from a sentence',
  commands: ['game scene', 'game entity', 'game chat', 'game generate', 'game component list'],
  migrations,
  async setup(ctx) {
    // The service loads on the module's first use: commands of other modules need not parse it.
    const [store, { GameService }, { builtinComponents }] = await Promise.all([ctx.openStore<GameTables>(), import('./service.js'), import('./components.js')]);
    return new GameService({
      store,
      bus: ctx.bus,
      now: ctx.now,
      components: builtinComponents(),
      // Ticks and live moves only in the daemon; a one-shot command has no clients to tell.
      live: ctx.longRunning ? { tickHz: ctx.config.game.tickHz, persistMs: ctx.config.game.persistMs } : undefined,
    });
  },
  async shutdown(service) {
    await service.stop();
  },
};
