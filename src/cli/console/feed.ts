/**
 * The console's live event feed: a `/ws` client of the workspace's daemon (docs/protocol.md),
 * subscribed to every topic with the owner token. It follows the daemon as it comes and goes: while
 * none runs it checks `daemon.json` every `pollMs`; when the daemon restarts (close 1012) or drops,
 * it re-reads the daemon's URL and token (a new one each start) and reconnects.
 */
import WebSocket from 'ws';
import { readDaemonState, readToken } from '../../daemon/state.js';
import type { ConsoleEvent } from './text.js';

/** Where the feed stands; the console shows it in its banner and feed panel. */
export type FeedStatus =
  | { state: 'local' }
  | { state: 'connecting'; url: string }
  | { state: 'attached'; url: string }
  | { state: 'error'; url?: string; message: string };

export interface FeedHandlers {
  onEvent(event: ConsoleEvent): void;
  onStatus(status: FeedStatus): void;
}

/** What the console component subscribes to; tests pass their own. */
export interface EventFeed {
  /** Starts delivering; returns the function that stops. */
  subscribe(handlers: FeedHandlers): () => void;
}

export interface DaemonFeedOptions {
  /** The workspace's data folder, where daemon.json and daemon.token live. */
  dataDir: string;
  /** How often to look for a daemon while none runs. Default 1000 ms. */
  pollMs?: number;
}

export function daemonFeed(options: DaemonFeedOptions): EventFeed {
  const pollMs = options.pollMs ?? 1000;
  return {
    subscribe(handlers) {
      let stopped = false;
      let socket: WebSocket | null = null;
      let timer: NodeJS.Timeout | null = null;
      let failures = 0;

      const later = (ms: number) => {
        if (stopped) return;
        timer = setTimeout(attempt, ms);
        timer.unref?.();
      };

      function attempt() {
        timer = null;
        if (stopped) return;
        const daemon = readDaemonState(options.dataDir);
        if (!daemon) {
          failures = 0;
          handlers.onStatus({ state: 'local' });
          return later(pollMs);
        }
        const token = readToken(options.dataDir);
        if (!token) {
          handlers.onStatus({ state: 'error', url: daemon.url, message: `cannot read the daemon token ${daemon.tokenFile}` });
          return later(pollMs * 5);
        }
        handlers.onStatus({ state: 'connecting', url: daemon.url });
        const ws = new WebSocket(`${daemon.url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
        socket = ws;
        ws.on('message', (data) => {
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(String(data)) as Record<string, unknown>;
          } catch {
            return;
          }
          if (typeof msg.eventType === 'string') {
            handlers.onEvent({ eventType: msg.eventType, payload: msg.payload, timestamp: typeof msg.timestamp === 'number' ? msg.timestamp : Date.now() });
          } else if (msg.type === 'ready') {
            ws.send(JSON.stringify({ type: 'subscribe', topics: ['*'] }));
          } else if (msg.type === 'subscribed') {
            failures = 0;
            handlers.onStatus({ state: 'attached', url: daemon.url });
          }
        });
        // An 'error' (refused, 401, 503 while it shuts down) is always followed by 'close'.
        ws.on('error', () => {});
        ws.on('close', (code) => {
          if (socket === ws) socket = null;
          if (stopped) return;
          failures++;
          // 1012: the daemon is restarting; give it a moment, then look again (new URL, new token).
          const wait = code === 1012 ? 500 : Math.min(5000, 250 * 2 ** Math.min(failures, 5));
          handlers.onStatus(readDaemonState(options.dataDir) ? { state: 'connecting', url: daemon.url } : { state: 'local' });
          later(wait);
        });
      }

      attempt();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        socket?.terminate();
        socket = null;
      };
    },
  };
}
