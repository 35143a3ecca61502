/**
 * A typed client of a running raos daemon, for programs in other projects:
 *
 *   import { createClient } from 'raos';
 *   const raos = createClient({ url: 'http://127.0.0.1:7077', token });
 *   await raos.memory.set.mutate({ key: 'greeting', value: 'hello' });
 *   raos.events.subscribe.subscribe({ topics: ['memory'] }, { onData: (e) => console.log(e) });
 *
 * Queries and mutations go over HTTP (batched); subscriptions over the daemon's tRPC WebSocket.
 */
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCClient } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from './app.js';

export interface ClientOptions {
  /** The daemon's URL, e.g. `http://127.0.0.1:7077` (`raos daemon status --json` prints it). */
  url: string;
  /** The owner token (the file `raos daemon status` names) or another token the daemon accepts. */
  token: string;
}

export type RaosClient = TRPCClient<AppRouter> & {
  /** Closes the WebSocket used by subscriptions, if one was opened. */
  close(): void;
};

export function createClient(options: ClientOptions): RaosClient {
  const base = options.url.replace(/\/+$/, '');
  // Lazy: the socket opens with the first subscription and closes after the last one ends.
  const ws = createWSClient({
    url: `${base.replace(/^http/, 'ws')}/trpc?token=${encodeURIComponent(options.token)}`,
    // Node 20 has no global WebSocket.
    WebSocket: (globalThis.WebSocket ?? WebSocket) as never,
    lazy: { enabled: true, closeMs: 1000 },
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink<AppRouter>({ client: ws }),
        false: httpBatchLink({ url: `${base}/trpc`, headers: () => ({ authorization: `Bearer ${options.token}` }) }),
      }),
    ],
  });
  const close = () => void ws.close();
  // The tRPC client is itself a proxy that turns every property into a procedure path: answer
  // `close` here and hand everything else through.
  return new Proxy(client, { get: (target, key, receiver) => (key === 'close' ? close : Reflect.get(target, key, receiver)) }) as RaosClient;
}
