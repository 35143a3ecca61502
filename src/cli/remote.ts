/**
 * The daemon door for the CLI: a tRPC client shaped like `createCaller`'s result, so a command calls
 * `client.memory.get(input)` the same way with or without the daemon. Loaded only when a daemon runs.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '../app.js';
import { appRouter } from '../app.js';
import { RaosError } from '../kernel/errors.js';
import type { Client } from './connect.js';

export function remoteClient(options: { url: string; token: string; timeoutMs: number; as?: string }): Client {
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url}/trpc`,
        headers: () => ({
          authorization: `Bearer ${options.token}`,
          'x-raos-origin': 'cli',
          ...(options.as ? { 'x-raos-as': options.as } : {}),
        }),
        // A daemon that hangs must not hang the command with it.
        fetch: (url, init) => fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(options.timeoutMs) }),
      }),
    ],
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
        if (type !== 'query' && type !== 'mutation') throw new Error(`no procedure ${name} for the CLI to call`);
        const call: Promise<unknown> = type === 'query' ? target.query(args[0]) : target.mutate(args[0]);
        return call.catch((err: { data?: unknown; message?: string }) => {
          // No tRPC answer at all: the daemon went away or hangs between the check and the call.
          if (err?.data === undefined || err.data === null) {
            throw new RaosError('UNAVAILABLE', `the daemon at ${options.url} did not answer (${err?.message ?? 'no response'})`, {
              hint: 'Check it with `raos daemon status`; `raos daemon restart` starts it afresh. Acknowledged writes are safe.',
              cause: err,
            });
          }
          throw err;
        });
      },
    });
  return node([]) as Client;
}
