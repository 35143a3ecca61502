/**
 * `events.subscribe`: the kernel's event bus as a tRPC subscription (over the daemon's WebSocket
 * door). Game clients in other languages use the plain JSON stream at /ws instead; both carry the
 * same RaosEvent objects, and both check the same topic permissions (`topicPermission`).
 */
import * as z from 'zod';
import { assertCan, can } from '../access.js';
import type { Actor } from '../actor.js';
import type { RaosEvent } from '../events.js';
import { defineOperation } from '../operation.js';
import { router, subscription } from '../trpc.js';

/** Events buffered for one slow subscriber before the oldest are dropped. */
const MAX_QUEUE = 1000;

/**
 * The permission that reading a topic's events needs: the events carry what the module's reads
 * would show. Topics of modules that do not name one need only `events.subscribe`.
 */
const TOPIC_PERMISSIONS: Record<string, string> = {
  memory: 'memory.read',
  auth: 'auth.user.read',
  cms: 'cms.content.read',
  game: 'game.scene.read',
  racoin: 'racoin.balance.read',
};

/** Throws FORBIDDEN for a topic the actor may not read; `*` (every topic) needs every one of them. */
export function assertTopics(actor: Actor, topics: readonly string[] | undefined): void {
  const wanted = !topics || topics.includes('*') ? Object.keys(TOPIC_PERMISSIONS) : topics;
  for (const topic of wanted) {
    const permission = TOPIC_PERMISSIONS[topic.split(':')[0]];
    if (permission) assertCan(actor, permission);
  }
}

/**
 * Whether a subscriber may see one event of a topic it holds. Memory entries in a `user:<id>` scope
 * belong to that user, so their events (which name the key) go only to that user and to holders of
 * `memory.manage`, as reading them would.
 */
export function eventVisibleTo(actor: Actor, event: RaosEvent): boolean {
  if (event.eventType.startsWith('cms:')) return cmsEventVisibleTo(actor, event);
  if (!event.eventType.startsWith('memory:')) return true;
  const scope = (event.payload as { scope?: unknown } | undefined)?.scope;
  if (typeof scope !== 'string' || !scope.startsWith('user:')) return true;
  if (can(actor, 'memory.manage')) return true;
  const owner = scope.slice(5);
  return owner === actor.id || owner === actor.name;
}

/**
 * CMS events: content that is not published (drafts, scheduled items, and deletions of those) is
 * seen by its author and by holders of `cms.content.publish`, as reading it would be; plugin events
 * (which carry failure reasons) by plugin managers.
 */
function cmsEventVisibleTo(actor: Actor, event: RaosEvent): boolean {
  if (event.eventType.startsWith('cms:plugin:')) return can(actor, 'cms.plugin.manage');
  if (!event.eventType.startsWith('cms:content:')) return true;
  const payload = event.payload as { status?: unknown; authorId?: unknown } | undefined;
  if (payload?.status === 'published') return true;
  return payload?.authorId === actor.id || can(actor, 'cms.content.publish');
}

export const subscribeInput = z.object({ topics: z.array(z.string().min(1).max(64)).max(64).optional() }).strict().optional();

export const eventsOperations = {
  subscribe: defineOperation({
    name: 'events.subscribe',
    permission: 'events.subscribe',
    kind: 'read',
    input: subscribeInput,
    // The stream itself is made by `stream` below; running the operation checks the topics.
    run: async (ctx, input) => {
      assertTopics(ctx.actor, input?.topics);
      return { topics: input?.topics ?? ['*'] };
    },
  }),
};

async function* stream(ctx: Parameters<typeof eventsOperations.subscribe.run>[0], input: z.output<typeof subscribeInput>, signal: AbortSignal | undefined): AsyncGenerator<RaosEvent> {
  await eventsOperations.subscribe.run(ctx, input);
  const queue: RaosEvent[] = [];
  let wake: (() => void) | null = null;
  const topics = input?.topics?.includes('*') ? undefined : input?.topics;
  const unsubscribe = ctx.kernel.bus.subscribe((event) => {
    if (!eventVisibleTo(ctx.actor, event)) return;
    if (queue.length >= MAX_QUEUE) queue.shift();
    queue.push(event);
    wake?.();
  }, topics);
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  try {
    while (!signal?.aborted) {
      while (queue.length > 0) {
        // A long-lived stream: the token behind it must still hold for each event it delivers.
        await ctx.revalidate?.();
        yield queue.shift()!;
      }
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}

export const eventsRouter = router({
  subscribe: subscription(eventsOperations.subscribe, stream),
});
