/**
 * The daemon: one long-running host per workspace, serving on one port
 *   /trpc            the AppRouter over HTTP (batching) and WebSocket (subscriptions)
 *   /api/...         the REST door (the seed's envelope), lean node:http, same router in process
 *   /api/openapi.json
 *   /ws              the JSON event stream for game clients in any language
 *   /healthz /readyz /metrics
 * Every request needs the owner token except health and metrics when `server.publicHealth` is on.
 *
 * startDaemon() returns { url, close }: close() stops accepting, tells WebSocket clients to reconnect,
 * lets requests in flight finish, checkpoints every database and releases the workspace lock.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { TRPCError } from '@trpc/server';
import { WebSocketServer } from 'ws';
import { appRouter, builtinModules, createCaller, operations, restRoutes } from '../app.js';
import type { Origin } from '../kernel/actor.js';
import type { RaosConfig } from '../kernel/config.js';
import { ERROR_CODES, RaosError, toRaosError } from '../kernel/errors.js';
import { Kernel } from '../kernel/kernel.js';
import type { Logger } from '../kernel/logger.js';
import type { RequestContext } from '../kernel/trpc.js';
import { createDoorman, newToken, requestToken, type TokenVerifier, type UserTokens } from './auth.js';
import { createRateLimits } from '../kernel/limits.js';
import { createMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { createRestHandler, sendRestNotFound } from './rest.js';
import { clearDaemonState, tokenFile, writeDaemonState, type DaemonState } from './state.js';
import { createWsGateway } from './ws-gateway.js';
import { eventVisibleTo } from '../kernel/admin/events.js';
import { parseRequestUrl, type RequestUrl } from './url.js';
import { serveStatic } from './static.js';
import { resolve } from 'node:path';

export interface DaemonOptions {
  root: string;
  config: RaosConfig;
  log: Logger;
  /** raos's version, reported by /healthz and `raos daemon status`. */
  version: string;
  /** Default: config.server.host. */
  host?: string;
  /** Default: config.server.port; 0 picks a free port (tests). */
  port?: number;
  /** How long close() lets requests in flight finish before cutting connections. Default 10 s. */
  drainTimeoutMs?: number;
}

export interface RunningDaemon {
  url: string;
  host: string;
  port: number;
  token: string;
  kernel: Kernel;
  state: DaemonState;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const FIXED_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/ws', '/api/openapi.json']);
const REST_PREFIXES = new Set(restRoutes.map((r) => r.path.split('/').slice(0, 4).join('/')));

/** A bounded set of metric labels: unknown paths must not grow the metrics without end. */
function routeLabel(path: string): string {
  if (FIXED_ROUTES.has(path)) return path;
  if (path === '/trpc' || path.startsWith('/trpc/')) return 'trpc';
  if (path.startsWith('/api/')) {
    // `/api/{module}/{resource}`: up to the third slash after the leading one.
    const a = path.indexOf('/', 5);
    const b = a === -1 ? -1 : path.indexOf('/', a + 1);
    const prefix = b === -1 ? path : path.slice(0, b);
    return REST_PREFIXES.has(prefix) ? prefix : '/api/other';
  }
  return 'other';
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { config, log } = options;
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const kernel = await Kernel.create({
    root: options.root,
    config,
    log,
    builtins: builtinModules,
    access: 'write',
    background: true,
    purpose: 'raos daemon',
  });
  try {
    await kernel.initAll();
    for (const m of kernel.modules.list()) {
      if (m.state === 'failed') log.warn(`module ${m.name} failed: ${m.error}`, { module: m.name });
    }
    const startedAt = Date.now();
    const token = newToken();
    const metrics = createMetrics(kernel);
    const limits = createRateLimits(config.rateLimits, (refusal) => {
      if (refusal.first) log.warn('rate limit reached', { module: refusal.module, key: refusal.key, limit: refusal.limit });
      metrics.rateLimited.inc({ module: refusal.module });
    });
    // Module initialisation failures are reported by /readyz; without auth, only the owner gets in.
    const users = async () => {
      try {
        return await kernel.service<UserTokens>('auth');
      } catch {
        return undefined;
      }
    };
    const doorman = createDoorman({ ownerToken: token, users });
    let authService: UserTokens | undefined;
    void users().then((u) => (authService = u));
    const auth: TokenVerifier = doorman;

    /** The request's context; without waiting when the connection's token was verified already. */
    // One context per verified actor object (the doorman hands the same one out on a keep-alive connection).
    const contexts = new WeakMap<object, RequestContext>();
    const contextOf = (actor: RequestContext['actor']): RequestContext => {
      let ctx = contexts.get(actor);
      if (!ctx) contexts.set(actor, (ctx = { kernel, actor, limits }));
      return ctx;
    };
    const contextFor = (req: IncomingMessage, origin: Origin, url?: RequestUrl): RequestContext | Promise<RequestContext> => {
      const actor = doorman.request(req, origin, url);
      return actor instanceof Promise ? actor.then(contextOf) : contextOf(actor);
    };
    /** For routes outside the operations (metrics, openapi): a real token, not the anonymous actor. */
    const verifyRequest = async (req: IncomingMessage, url?: RequestUrl): Promise<boolean> => {
      try {
        return (await doorman.request(req, 'trpc', url)).kind !== 'anonymous';
      } catch {
        return false;
      }
    };

    // tRPC clients expect tRPC's error shape, so a bad token is a TRPCError (401, data.raos.code UNAUTHORIZED).
    const trpcContext = async (req: IncomingMessage): Promise<RequestContext> => {
      try {
        return await contextFor(req, 'trpc');
      } catch (err) {
        throw new TRPCError({ code: 'UNAUTHORIZED', message: (err as Error).message, cause: err });
      }
    };
    /**
     * A tRPC WebSocket keeps one context for its whole life: every call on it (and every event of a
     * subscription) first checks that its token still holds, once auth has changed or the token's
     * time is up, so a revoked token or a disabled user stops at once there too.
     */
    const trpcSocketContext = async (req: IncomingMessage): Promise<RequestContext> => {
      const base = await trpcContext(req);
      const token = requestToken(req);
      let generation = authService?.generation;
      const ctx: RequestContext = {
        ...base,
        revalidate: async () => {
          const actor = ctx.actor;
          if (actor.kind === 'owner' || actor.kind === 'anonymous' || !token) return;
          const now = authService?.generation;
          if (now === generation && (actor.expiresAt === undefined || actor.expiresAt > Date.now())) return;
          const fresh = await doorman.verify(token, 'trpc');
          if (!fresh) throw new RaosError('UNAUTHORIZED', 'the token of this connection was revoked or has expired', { hint: 'Log in again and reconnect.' });
          generation = now;
          ctx.actor = actor.ip ? { ...fresh, ip: actor.ip } : fresh;
        },
      };
      return ctx;
    };
    const trpc = createHTTPHandler({
      router: appRouter,
      basePath: '/trpc/',
      createContext: ({ req }) => trpcContext(req),
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') log.error('trpc procedure failed', { path, error: error.message });
      },
      // RATE_LIMITED answers carry Retry-After, as on the REST door.
      responseMeta: ({ errors }) => {
        for (const error of errors) {
          const raos = toRaosError(error.cause ?? error);
          const ms = raos.details?.retryAfterMs;
          if (raos.code === 'RATE_LIMITED' && typeof ms === 'number') return { headers: { 'retry-after': String(Math.ceil(ms / 1000)) } };
        }
        return {};
      },
    });
    const rest = createRestHandler({
      routes: restRoutes,
      caller: createCaller,
      operations,
      context: (req, url) => contextFor(req, 'rest', url),
      log,
      // Room for the largest value Memory accepts, or the largest media file or plugin zip as base64.
      maxBodyBytes: Math.max(config.memory.maxValueBytes * 2, Math.ceil((Math.max(config.cms.media.maxBytes, 10 * 1024 * 1024) * 4) / 3)) + 64 * 1024,
    });
    // Made on first request: converting every route's input schema costs start-up time nobody may need.
    let openapi: string | undefined;

    const trpcWss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
    const trpcWs = applyWSSHandler({
      wss: trpcWss,
      router: appRouter,
      createContext: ({ req }) => trpcSocketContext(req),
      keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    });
    const gateway = createWsGateway({
      bus: kernel.bus,
      auth,
      visible: eventVisibleTo,
      authGeneration: () => authService?.generation,
      authorizeSubscribe: async (actor, topics) => {
        await operations['events.subscribe']({ kernel, actor, limits }, { topics });
      },
      // Live play: each message runs its operation through the guard, as on every other door.
      scenes: {
        join: async (actor, scene) => {
          const snapshot = (await operations['game.live.join']({ kernel, actor, limits }, { scene })) as { scene: { id: string } } & Record<string, unknown>;
          return { sceneId: snapshot.scene.id, snapshot };
        },
        move: async (actor, move) => {
          await operations['game.live.move']({ kernel, actor, limits }, move);
        },
        chat: async (actor, chat) => {
          await operations['game.chat.send']({ kernel, actor, limits }, chat);
        },
      },
      log: log.child({ component: 'ws' }),
      onMetric: (m) => {
        if (m.type === 'open') metrics.wsConnections.inc();
        else if (m.type === 'close') metrics.wsConnections.dec();
        else if (m.type === 'dropped') metrics.wsDropped.inc();
        else if (m.type === 'delivered') metrics.eventsDelivered.inc(m.count ?? 1);
      },
    });

    // Labelled metric children, looked up once per label set instead of on every request.
    const counters = new Map<string, ReturnType<typeof metrics.requests.labels>>();
    const requestCounter = (route: string, method: string, status: number) => {
      const key = `${route} ${method} ${status}`;
      let child = counters.get(key);
      if (!child) counters.set(key, (child = metrics.requests.labels(route, method, String(status))));
      return child;
    };
    const latencies = new Map<string, ReturnType<typeof metrics.latency.labels>>();
    const latencyOf = (route: string) => {
      let child = latencies.get(route);
      if (!child) latencies.set(route, (child = metrics.latency.labels(route)));
      return child;
    };

    let closing = false;
    const isPublic = (path: string) => config.server.publicHealth && (path === '/healthz' || path === '/metrics' || path === '/api/openapi.json');

    const observe = (path: string, method: string, status: number, started: number) => {
      const route = routeLabel(path);
      requestCounter(route, method, status).inc();
      latencyOf(route).observe((performance.now() - started) / 1000);
    };

    const server = createServer(async (req, res) => {
      const started = performance.now();
      const url = parseRequestUrl(req.url);
      const path = url.pathname;
      // REST answers are counted when the handler returns (no listener per request); the rest on finish.
      const isRest = path.startsWith('/api/') && path !== '/api/openapi.json';
      if (!isRest) res.once('finish', () => observe(path, req.method ?? 'GET', res.statusCode, started));
      try {
        if (closing) {
          sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'the daemon is shutting down' } }, { connection: 'close' });
          return;
        }
        // The built site is public: it holds published content only.
        if (path === '/site' || path.startsWith('/site/')) {
          await serveStatic(req, res, path, '/site', resolve(kernel.root, config.cms.site.outDir));
          return;
        }
        // REST and tRPC answer 401 in their own formats; every other route (the OpenAPI document too) is checked here.
        if (!isPublic(path) && path !== '/readyz' && !isRest && !path.startsWith('/trpc')) {
          // REST and tRPC answer 401 in their own formats; every other route is checked here.
          if (!(await verifyRequest(req, url))) {
            sendJson(res, 401, { error: { code: 'UNAUTHORIZED', message: 'a valid token is required' } }, { 'www-authenticate': 'Bearer' });
            return;
          }
        }
        switch (path) {
          case '/healthz':
            sendJson(res, 200, { status: 'ok', version: options.version, pid: process.pid, uptimeMs: Date.now() - startedAt });
            return;
          case '/readyz': {
            const modules = kernel.modules.list();
            const failed = modules.filter((m) => m.kind === 'builtin' && m.state !== 'ready');
            sendJson(res, failed.length ? 503 : 200, {
              ready: failed.length === 0,
              modules: modules.map((m) => ({ name: m.name, state: m.state, ...(m.error ? { error: m.error } : {}) })),
            });
            return;
          }
          case '/metrics': {
            const text = await metrics.registry.metrics();
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
            return;
          }
          case '/api/openapi.json':
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
            res.end((openapi ??= JSON.stringify(openApiDocument({ routes: restRoutes, version: options.version }))));
            return;
        }
        if (path === '/trpc' || path.startsWith('/trpc/')) {
          trpc(req, res);
          return;
        }
        if (isRest) {
          try {
            if (!(await rest(req, res, url))) sendRestNotFound(req, res, url);
          } finally {
            observe(path, req.method ?? 'GET', res.statusCode, started);
          }
          return;
        }
        sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } });
      } catch (err) {
        const e = toRaosError(err);
        if (e.code === 'INTERNAL') log.error('request failed', { path, error: e.message });
        if (!res.headersSent) sendJson(res, ERROR_CODES[e.code].http, { error: e.toJSON() });
        else res.destroy();
      }
    });
    server.keepAliveTimeout = 5_000;

    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = parseRequestUrl(req.url);
      if (closing) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
        return;
      }
      if (url.pathname === '/ws') {
        gateway.handleUpgrade(req, socket, head);
        return;
      }
      if (url.pathname === '/trpc' || url.pathname === '/trpc/') {
        void verifyRequest(req, url).then((ok) => {
          if (!ok) {
            socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
            return;
          }
          trpcWss.handleUpgrade(req, socket, head, (ws) => trpcWss.emit('connection', ws, req));
        });
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    });

    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(
            new RaosError('CONFLICT', `port ${port} on ${host} is already in use`, {
              hint: `Stop what listens there, or choose another port: raos daemon start --port <n> (or server.port in raos.json).`,
              details: { port, host },
            }),
          );
        } else if (err.code === 'EACCES') {
          reject(new RaosError('INVALID_INPUT', `port: not allowed to listen on ${host}:${port}`, { hint: 'Use a port above 1024.' }));
        } else reject(err);
      });
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${shownHost}:${address.port}`;
    const state: DaemonState = {
      pid: process.pid,
      url,
      host,
      port: address.port,
      version: options.version,
      startedAt: new Date(startedAt).toISOString(),
      tokenFile: tokenFile(kernel.paths.dataDir),
    };
    writeDaemonState(kernel.paths.dataDir, state, token);
    log.info('daemon listening', { url, pid: process.pid });

    let closed: Promise<void> | null = null;
    const close = () =>
      (closed ??= (async () => {
        closing = true;
        log.info('daemon stopping');
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        trpcWs.broadcastReconnectNotification();
        await gateway.close({ code: 1012, reason: 'server restarting' });
        for (const client of trpcWss.clients) client.close(1012, 'server restarting');
        const timer = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
        await drained;
        clearTimeout(timer);
        trpcWss.close();
        clearDaemonState(kernel.paths.dataDir);
        await kernel.close({ checkpoint: 'always' });
        log.info('daemon stopped');
      })());
    return { url, host, port: address.port, token, kernel, state, close };
  } catch (err) {
    await kernel.close().catch(() => {});
    throw err;
  }
}
