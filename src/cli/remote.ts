/**
 * The daemon door for the CLI: a tRPC client shaped like `createCaller`'s result, so a command calls
 * `client.memory.get(input)` the same way with or without the daemon. Loaded only when a daemon runs.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '../app.js';
import { appRouter } from '../app.js';
import type { Client } from './connect.js';

export function remoteClient(options: { url: string; token: string }): Client {
  const trpc = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${options.url}/trpc`, headers: () => ({ authorization: `Bearer ${options.token}` }) })],
  });
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
  const node = (path: string[]): unknown =>
    new Proxy(() => {}, {
      get: (_target, key) => (typeof key === 'string' ? node([...path, key]) : undefined),
      apply: (_target, _this, args: unknown[]) => {
        const name = path.join('.');
        const type = procedures[name]?._def.type;
        let target: any = trpc;
        for (const part of path) target = target[part];
        if (type === 'query') return target.query(args[0]);
        if (type === 'mutation') return target.mutate(args[0]);
        throw new Error(`no procedure ${name} for the CLI to call`);
      },
    });
  return node([]) as Client;
}
