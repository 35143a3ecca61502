/**
 * The Game Engine's operations, declared with their permissions, and its tRPC router. Every door
 * (CLI, tRPC, REST, /ws) reaches these through the guard of kernel/operation.ts.
 */
import * as z from 'zod';
import { defineOperation, field } from '../../kernel/operation.js';
import type { RequestContext } from '../../kernel/trpc.js';
import { mutation, query, router } from '../../kernel/trpc.js';
import {
  chatCreateInput,
  chatHistoryInput,
  chatListInput,
  chatSendInput,
  entityCreateInput,
  entityListInput,
  entityMoveInput,
  entityRefInput,
  entityUpdateInput,
  generateInput,
  sceneCreateInput,
  sceneImportInput,
  sceneListInput,
  sceneRefInput,
  sceneUpdateInput,
  liveMoveInput,
} from './schema.js';
import type { GameService } from './service.js';

const game = (ctx: RequestContext) => ctx.kernel.service<GameService>('game');
const scene = (input: unknown) => field(input, 'scene');
const id = (input: unknown) => field(input, 'id');
const none = z.object({}).strict().optional();

export const gameOperations = {
  sceneCreate: defineOperation({
    name: 'game.scene.create',
    permission: 'game.scene.create',
    kind: 'write',
    input: sceneCreateInput,
    target: (i) => field(i, 'name'),
    run: async (ctx, input) => (await game(ctx)).createScene(ctx.actor, input),
  }),
  sceneList: defineOperation({
    name: 'game.scene.list',
    permission: 'game.scene.read',
    kind: 'read',
    input: sceneListInput,
    run: async (ctx, input) => (await game(ctx)).listScenes(ctx.actor, input),
  }),
  sceneShow: defineOperation({
    name: 'game.scene.show',
    permission: 'game.scene.read',
    kind: 'read',
    input: sceneRefInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).showScene(ctx.actor, input),
  }),
  sceneUpdate: defineOperation({
    name: 'game.scene.update',
    permission: 'game.scene.modify',
    kind: 'write',
    input: sceneUpdateInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).updateScene(ctx.actor, input),
  }),
  sceneDelete: defineOperation({
    name: 'game.scene.delete',
    permission: 'game.scene.modify',
    kind: 'write',
    input: sceneRefInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).deleteScene(ctx.actor, input),
  }),
  sceneExport: defineOperation({
    name: 'game.scene.export',
    permission: 'game.scene.read',
    kind: 'read',
    input: sceneRefInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).exportScene(ctx.actor, input),
  }),
  sceneImport: defineOperation({
    name: 'game.scene.import',
    permission: 'game.scene.create',
    kind: 'write',
    input: sceneImportInput,
    target: (i) => field(i, 'name'),
    run: async (ctx, input) => (await game(ctx)).importScene(ctx.actor, input),
  }),
  entityCreate: defineOperation({
    name: 'game.entity.create',
    permission: 'game.entity.modify',
    kind: 'write',
    input: entityCreateInput,
    target: (i) => [field(i, 'scene'), field(i, 'name')].filter(Boolean).join('/') || undefined,
    run: async (ctx, input) => (await game(ctx)).createEntity(ctx.actor, input),
  }),
  entityList: defineOperation({
    name: 'game.entity.list',
    permission: 'game.scene.read',
    kind: 'read',
    input: entityListInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).listEntities(ctx.actor, input),
  }),
  entityShow: defineOperation({
    name: 'game.entity.show',
    permission: 'game.scene.read',
    kind: 'read',
    input: entityRefInput,
    target: id,
    run: async (ctx, input) => (await game(ctx)).showEntity(ctx.actor, input),
  }),
  entityUpdate: defineOperation({
    name: 'game.entity.update',
    permission: 'game.entity.modify',
    kind: 'write',
    input: entityUpdateInput,
    target: id,
    run: async (ctx, input) => (await game(ctx)).updateEntity(ctx.actor, input),
  }),
  entityMove: defineOperation({
    name: 'game.entity.move',
    permission: 'game.entity.modify',
    kind: 'write',
    input: entityMoveInput,
    target: id,
    run: async (ctx, input) => (await game(ctx)).moveEntity(ctx.actor, input),
  }),
  entityDelete: defineOperation({
    name: 'game.entity.delete',
    permission: 'game.entity.modify',
    kind: 'write',
    input: entityRefInput,
    target: id,
    run: async (ctx, input) => (await game(ctx)).deleteEntity(ctx.actor, input),
  }),
  /** Joining a scene over /ws: its snapshot, after which the client gets the scene's ticks. */
  join: defineOperation({
    name: 'game.live.join',
    permission: 'game.scene.read',
    kind: 'read',
    input: sceneRefInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).snapshot(ctx.actor, input.scene),
  }),
  /** A move sent live over /ws: kept in memory, coalesced per tick, written at the next flush. */
  moveLive: defineOperation({
    name: 'game.live.move',
    permission: 'game.entity.modify',
    kind: 'write',
    limit: 'live',
    audit: 'denials',
    input: liveMoveInput,
    target: id,
    run: async (ctx, input) => (await game(ctx)).moveLive(ctx.actor, input),
  }),
  componentList: defineOperation({
    name: 'game.component.list',
    permission: 'game.scene.read',
    kind: 'read',
    input: none,
    run: async (ctx) => (await game(ctx)).components.list(),
  }),
  chatCreate: defineOperation({
    name: 'game.chat.create',
    permission: 'game.chat.send',
    kind: 'write',
    input: chatCreateInput,
    target: (i) => [field(i, 'scene'), field(i, 'name')].filter(Boolean).join('/') || undefined,
    run: async (ctx, input) => (await game(ctx)).createRoom(ctx.actor, input),
  }),
  chatList: defineOperation({
    name: 'game.chat.list',
    permission: 'game.scene.read',
    kind: 'read',
    input: chatListInput,
    target: scene,
    run: async (ctx, input) => (await game(ctx)).listRooms(ctx.actor, input),
  }),
  chatSend: defineOperation({
    name: 'game.chat.send',
    permission: 'game.chat.send',
    kind: 'write',
    input: chatSendInput,
    target: (i) => field(i, 'room'),
    run: async (ctx, input) => (await game(ctx)).send(ctx.actor, input),
  }),
  chatHistory: defineOperation({
    name: 'game.chat.history',
    permission: 'game.scene.read',
    kind: 'read',
    input: chatHistoryInput,
    target: (i) => field(i, 'room'),
    run: async (ctx, input) => (await game(ctx)).history(ctx.actor, input),
  }),
  generate: defineOperation({
    name: 'game.generate',
    permission: 'game.world.generate',
    kind: 'write',
    input: generateInput,
    target: (i) => field(i, 'prompt')?.slice(0, 120),
    run: async (ctx, input) => {
      const settings = ctx.kernel.config.game;
      const { describePlan, generatePlan } = await import('./generate/index.js');
      const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31);
      const plan = await generatePlan({
        prompt: input.prompt,
        seed,
        provider: input.provider ?? settings.provider,
        openai: settings.openai,
      });
      const service = await game(ctx);
      // Checked before anything is written, with the same component schemas as every other write.
      for (const [i, e] of plan.entities.entries()) service.components.validate(e.components, `plan.entities.${i}.components`);
      if (input.dryRun) return { dryRun: true as const, seed, plan, summary: describePlan(plan) };
      const written = await service.applyPlan(ctx.actor, plan, input.name);
      return { dryRun: false as const, seed, plan, summary: describePlan(plan), scene: written.scene, entities: written.entities };
    },
  }),
};

export const gameRouter = router({
  scene: router({
    create: mutation(gameOperations.sceneCreate),
    list: query(gameOperations.sceneList),
    show: query(gameOperations.sceneShow),
    update: mutation(gameOperations.sceneUpdate),
    delete: mutation(gameOperations.sceneDelete),
    export: query(gameOperations.sceneExport),
    import: mutation(gameOperations.sceneImport),
  }),
  entity: router({
    create: mutation(gameOperations.entityCreate),
    list: query(gameOperations.entityList),
    show: query(gameOperations.entityShow),
    update: mutation(gameOperations.entityUpdate),
    move: mutation(gameOperations.entityMove),
    delete: mutation(gameOperations.entityDelete),
  }),
  live: router({
    join: query(gameOperations.join),
    move: mutation(gameOperations.moveLive),
  }),
  component: router({
    list: query(gameOperations.componentList),
  }),
  chat: router({
    create: mutation(gameOperations.chatCreate),
    list: query(gameOperations.chatList),
    send: mutation(gameOperations.chatSend),
    history: query(gameOperations.chatHistory),
  }),
  generate: mutation(gameOperations.generate),
});
