/**
 * `events.subscribe`: the kernel's event bus as a tRPC subscription (over the daemon's WebSocket
 * door). Game clients in other languages use the plain JSON stream at /ws instead; both carry the
 * same RaosEvent objects.
 */
import * as z from 'zod';
import type { RaosEvent } from '../events.js';
import { procedure, router } from '../trpc.js';

/** Events buffered for one slow subscriber before the oldest are dropped. */
const MAX_QUEUE = 1000;

export const eventsRouter = router({
  subscribe: procedure
    .input(z.object({ topics: z.array(z.string().min(1).max(64)).max(64).optional() }).strict().optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const queue: RaosEvent[] = [];
      let wake: (() => void) | null = null;
      const topics = input?.topics?.includes('*') ? undefined : input?.topics;
      const unsubscribe = ctx.kernel.bus.subscribe((event) => {
        if (queue.length >= MAX_QUEUE) queue.shift();
        queue.push(event);
        wake?.();
      }, topics);
      const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
      try {
        while (!signal?.aborted) {
          while (queue.length > 0) yield queue.shift()!;
          await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
          wake = null;
        }
      } finally {
        unsubscribe();
      }
    }),
});
