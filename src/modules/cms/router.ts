/**
 * The CMS's operations, declared with their permissions, and its tRPC router. Every door (CLI, tRPC,
 * REST, /ws) reaches these through the guard of kernel/operation.ts.
 */
import * as z from 'zod';
import { invalidInput } from '../../kernel/errors.js';
import { defineOperation, field } from '../../kernel/operation.js';
import type { RequestContext } from '../../kernel/trpc.js';
import { mutation, query, router } from '../../kernel/trpc.js';
import type { Cms } from './cms.js';
import {
  contentCreateInput,
  contentListInput,
  contentRefInput,
  contentRestoreInput,
  contentScheduleInput,
  contentSearchInput,
  contentShowInput,
  contentUpdateInput,
  forumCategoryCreateInput,
  forumListInput,
  forumLockInput,
  forumPinInput,
  forumReplyInput,
  forumThreadCreateInput,
  forumThreadShowInput,
  mediaAddInput,
  mediaRefInput,
  pluginInstallInput,
  pluginRefInput,
  siteBuildInput,
} from './schema.js';

const cms = (ctx: RequestContext) => ctx.kernel.service<Cms>('cms');
const slug = (input: unknown) => field(input, 'slug');
const thread = (input: unknown) => field(input, 'thread');
const plugin = (input: unknown) => field(input, 'pluginId');
const none = z.object({}).strict().optional();

export const cmsOperations = {
  contentCreate: defineOperation({
    name: 'cms.content.create',
    permission: 'cms.content.create',
    kind: 'write',
    input: contentCreateInput,
    target: (i) => field(i, 'slug') ?? field(i, 'title')?.slice(0, 100),
    run: async (ctx, input) => (await cms(ctx)).content.createContent(ctx.actor, input),
  }),
  contentList: defineOperation({
    name: 'cms.content.list',
    permission: 'cms.content.read',
    kind: 'read',
    input: contentListInput,
    run: async (ctx, input) => (await cms(ctx)).content.listContent(ctx.actor, input),
  }),
  contentShow: defineOperation({
    name: 'cms.content.show',
    permission: 'cms.content.read',
    kind: 'read',
    input: contentShowInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.showContent(ctx.actor, input),
  }),
  contentUpdate: defineOperation({
    name: 'cms.content.update',
    permission: 'cms.content.update',
    kind: 'write',
    input: contentUpdateInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.updateContent(ctx.actor, input),
  }),
  contentPublish: defineOperation({
    name: 'cms.content.publish',
    permission: 'cms.content.publish',
    kind: 'write',
    input: contentRefInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.publishContent(ctx.actor, input),
  }),
  contentUnpublish: defineOperation({
    name: 'cms.content.unpublish',
    permission: 'cms.content.publish',
    kind: 'write',
    input: contentRefInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.unpublishContent(ctx.actor, input),
  }),
  contentSchedule: defineOperation({
    name: 'cms.content.schedule',
    permission: 'cms.content.publish',
    kind: 'write',
    input: contentScheduleInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.scheduleContent(ctx.actor, input),
  }),
  contentDelete: defineOperation({
    name: 'cms.content.delete',
    permission: 'cms.content.delete',
    kind: 'write',
    input: contentRefInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.deleteContent(ctx.actor, input),
  }),
  contentHistory: defineOperation({
    name: 'cms.content.history',
    permission: 'cms.content.read',
    kind: 'read',
    input: contentRefInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.history(ctx.actor, input),
  }),
  contentRestore: defineOperation({
    name: 'cms.content.restore',
    permission: 'cms.content.update',
    kind: 'write',
    input: contentRestoreInput,
    target: slug,
    run: async (ctx, input) => (await cms(ctx)).content.restoreContent(ctx.actor, input),
  }),
  contentSearch: defineOperation({
    name: 'cms.content.search',
    permission: 'cms.content.read',
    kind: 'read',
    input: contentSearchInput,
    target: (i) => field(i, 'query')?.slice(0, 100),
    run: async (ctx, input) => (await cms(ctx)).content.search(ctx.actor, input),
  }),

  forumCategoryCreate: defineOperation({
    name: 'cms.forum.category.create',
    permission: 'cms.forum.moderate',
    kind: 'write',
    input: forumCategoryCreateInput,
    target: (i) => field(i, 'name'),
    run: async (ctx, input) => (await cms(ctx)).forum.createCategory(ctx.actor, input),
  }),
  forumList: defineOperation({
    name: 'cms.forum.list',
    permission: 'cms.content.read',
    kind: 'read',
    input: forumListInput,
    target: (i) => field(i, 'category'),
    run: async (ctx, input) => (await cms(ctx)).forum.list(ctx.actor, input),
  }),
  forumThreadCreate: defineOperation({
    name: 'cms.forum.thread.create',
    permission: 'cms.forum.post',
    kind: 'write',
    input: forumThreadCreateInput,
    target: (i) => field(i, 'category'),
    run: async (ctx, input) => (await cms(ctx)).forum.createThread(ctx.actor, input),
  }),
  forumThreadShow: defineOperation({
    name: 'cms.forum.thread.show',
    permission: 'cms.content.read',
    kind: 'read',
    input: forumThreadShowInput,
    target: thread,
    run: async (ctx, input) => (await cms(ctx)).forum.showThread(ctx.actor, input),
  }),
  forumReply: defineOperation({
    name: 'cms.forum.reply',
    permission: 'cms.forum.post',
    kind: 'write',
    input: forumReplyInput,
    target: thread,
    run: async (ctx, input) => (await cms(ctx)).forum.reply(ctx.actor, input),
  }),
  forumLock: defineOperation({
    name: 'cms.forum.lock',
    permission: 'cms.forum.moderate',
    kind: 'write',
    input: forumLockInput,
    target: thread,
    run: async (ctx, input) => (await cms(ctx)).forum.lock(ctx.actor, input),
  }),
  forumPin: defineOperation({
    name: 'cms.forum.pin',
    permission: 'cms.forum.moderate',
    kind: 'write',
    input: forumPinInput,
    target: thread,
    run: async (ctx, input) => (await cms(ctx)).forum.pin(ctx.actor, input),
  }),

  mediaAdd: defineOperation({
    name: 'cms.media.add',
    permission: 'cms.media.upload',
    kind: 'write',
    input: mediaAddInput,
    target: (i) => field(i, 'name'),
    run: async (ctx, input) => (await cms(ctx)).media.add(ctx.actor, input),
  }),
  mediaList: defineOperation({
    name: 'cms.media.list',
    permission: 'cms.content.read',
    kind: 'read',
    input: none,
    run: async (ctx) => (await cms(ctx)).media.list(),
  }),
  mediaDelete: defineOperation({
    name: 'cms.media.delete',
    permission: 'cms.media.upload',
    kind: 'write',
    input: mediaRefInput,
    target: (i) => field(i, 'id'),
    run: async (ctx, input) => (await cms(ctx)).media.delete(ctx.actor, input),
  }),

  pluginInstall: defineOperation({
    name: 'cms.plugin.install',
    permission: 'cms.plugin.install',
    kind: 'write',
    input: pluginInstallInput,
    run: async (ctx, input) => {
      const zip = Buffer.from(input.pluginPackage, 'base64');
      if (zip.length === 0) throw invalidInput('pluginPackage: is empty after base64 decoding');
      return (await cms(ctx)).plugins.install(ctx.actor, zip, input.autoEnable);
    },
  }),
  pluginList: defineOperation({
    name: 'cms.plugin.list',
    permission: 'cms.plugin.manage',
    kind: 'read',
    input: none,
    run: async (ctx) => (await cms(ctx)).plugins.list(),
  }),
  pluginEnable: defineOperation({
    name: 'cms.plugin.enable',
    permission: 'cms.plugin.manage',
    kind: 'write',
    input: pluginRefInput,
    target: plugin,
    run: async (ctx, input) => (await cms(ctx)).plugins.setEnabled(input.pluginId, true),
  }),
  pluginDisable: defineOperation({
    name: 'cms.plugin.disable',
    permission: 'cms.plugin.manage',
    kind: 'write',
    input: pluginRefInput,
    target: plugin,
    run: async (ctx, input) => (await cms(ctx)).plugins.setEnabled(input.pluginId, false),
  }),
  pluginUninstall: defineOperation({
    name: 'cms.plugin.uninstall',
    permission: 'cms.plugin.manage',
    kind: 'write',
    input: pluginRefInput,
    target: plugin,
    run: async (ctx, input) => (await cms(ctx)).plugins.uninstall(input.pluginId),
  }),

  siteBuild: defineOperation({
    name: 'cms.site.build',
    permission: 'cms.site.build',
    kind: 'write',
    input: siteBuildInput,
    target: (i) => field(i, 'out'),
    run: async (ctx, input) => (await cms(ctx)).build(ctx.actor, input, ctx.progress),
  }),
  status: defineOperation({
    name: 'cms.status',
    permission: 'cms.content.read',
    kind: 'read',
    input: none,
    run: async (ctx) => (await cms(ctx)).status(ctx.actor),
  }),
};

export const cmsRouter = router({
  content: router({
    create: mutation(cmsOperations.contentCreate),
    list: query(cmsOperations.contentList),
    show: query(cmsOperations.contentShow),
    update: mutation(cmsOperations.contentUpdate),
    publish: mutation(cmsOperations.contentPublish),
    unpublish: mutation(cmsOperations.contentUnpublish),
    schedule: mutation(cmsOperations.contentSchedule),
    delete: mutation(cmsOperations.contentDelete),
    history: query(cmsOperations.contentHistory),
    restore: mutation(cmsOperations.contentRestore),
    search: query(cmsOperations.contentSearch),
  }),
  forum: router({
    category: router({ create: mutation(cmsOperations.forumCategoryCreate) }),
    list: query(cmsOperations.forumList),
    thread: router({
      create: mutation(cmsOperations.forumThreadCreate),
      show: query(cmsOperations.forumThreadShow),
    }),
    reply: mutation(cmsOperations.forumReply),
    lock: mutation(cmsOperations.forumLock),
    pin: mutation(cmsOperations.forumPin),
  }),
  media: router({
    add: mutation(cmsOperations.mediaAdd),
    list: query(cmsOperations.mediaList),
    delete: mutation(cmsOperations.mediaDelete),
  }),
  plugin: router({
    install: mutation(cmsOperations.pluginInstall),
    list: query(cmsOperations.pluginList),
    enable: mutation(cmsOperations.pluginEnable),
    disable: mutation(cmsOperations.pluginDisable),
    uninstall: mutation(cmsOperations.pluginUninstall),
  }),
  site: router({ build: mutation(cmsOperations.siteBuild) }),
  status: query(cmsOperations.status),
});
