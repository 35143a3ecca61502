/**
 * The `/ws` gateway: a lean JSON WebSocket protocol on raw `ws` for clients in any language
 * (docs/protocol.md). Clients authenticate with the daemon token, subscribe to topics (the part of an
 * event type before ':'), and receive every bus event of those topics exactly as the bus publishes it.
 *
 * Fan-out is the hot path (1,000 clients): the gateway subscribes to the bus once, serialises each
 * event once into a Buffer that every matching client's socket writes as is, and checks each client's
 * unsent bytes first so a slow reader is dropped with 1013 instead of growing memory without bound.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import * as z from 'zod';
import { describeActor, type Actor } from '../kernel/actor.js';
import { encodeBinaryTick } from './tick-codec.js';
import { formatIssues, invalidInput, toRaosError, type ErrorCode } from '../kernel/errors.js';
import type { EventBus, RaosEvent } from '../kernel/events.js';
import type { Logger } from '../kernel/logger.js';
import { requestToken, type TokenVerifier } from './auth.js';

export interface WsGatewayOptions {
  bus: EventBus;
  /** `verify(token, 'ws')` gives the actor a token stands for, or null. */
  auth: TokenVerifier;
  /**
   * Checks a subscribe request (rate limit, `events.subscribe`, the topics' permissions) and throws a
   * RaosError to refuse it; the client gets `{ type: 'error', code, message }` and keeps its topics.
   */
  authorizeSubscribe?(actor: Actor, topics: string[]): Promise<void>;
  /**
   * Live play (docs/protocol.md, "Scenes"): joining a scene gives its snapshot, after which the
   * client receives that scene's ticks, chat and scene events; it may move entities and chat. Each
   * call runs the operation's guard and throws a RaosError to refuse.
   */
  /** Whether a client may see an event of a topic it holds (per-event rules, e.g. private memory scopes). */
  visible?(actor: Actor, event: RaosEvent): boolean;
  /** The auth module's change counter; when it moves, open connections' tokens are checked again. */
  authGeneration?(): number | undefined;
  /** How often to look at authGeneration. Default 1 s. */
  recheckMs?: number;
  scenes?: {
    join(actor: Actor, scene: string): Promise<{ sceneId: string; snapshot: Record<string, unknown> }>;
    move(actor: Actor, move: { id: string; sceneId?: string; position?: [number, number, number]; rotation?: [number, number, number] }): Promise<void>;
    chat(actor: Actor, chat: { room: string; text: string }): Promise<void>;
  };
  log: Logger;
  /** Close a client whose unsent bytes exceed this (slow consumer). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Ping interval; a client that misses a pong for a whole interval is terminated. Default 30 s. */
  pingIntervalMs?: number;
  /** Time a client has to authenticate with a first message when it did not with a header/query. Default 10 s. */
  authTimeoutMs?: number;
  /**
   * Called for metrics: a connection opened or closed, events delivered (`count` clients reached by
   * one publish), a client dropped as a slow consumer.
   */
  onMetric?(m: { type: 'open' | 'close' | 'delivered' | 'dropped'; count?: number }): void;
}

export interface WsGateway {
  /** Takes over an HTTP upgrade request for `/ws` (the daemon's server routes it here). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Tells every client to reconnect (close code 1012 "server restarting" by default), waits for them
   * to close (at most `timeoutMs`, default 2 s, then terminates the rest), unsubscribes from the bus
   * and stops timers. Upgrades that arrive afterwards get 503. Calling it again returns the same promise.
   */
  close(options?: { code?: number; reason?: string; timeoutMs?: number }): Promise<void>;
  /** Open connections, authenticated or still authenticating. */
  readonly clientCount: number;
}

/** Close codes of the protocol (docs/protocol.md, "Close codes"). */
export const WS_CLOSE = {
  NORMAL: 1000,
  MESSAGE_TOO_BIG: 1009,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  UNAUTHORIZED: 4401,
} as const;

/** Largest message a client may send; larger ones close the connection with 1009. */
export const WS_MAX_MESSAGE_BYTES = 64 * 1024;
/** Topics one connection may hold at once, so subscriptions cannot grow without bound. */
export const WS_MAX_TOPICS = 100;

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const DEFAULT_PING_INTERVAL_MS = 30_000;
const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;

// ---------------------------------------------------------------------------------------------------
// Messages from the client, one schema per type. Unknown fields are ignored so that newer clients
// keep working against an older daemon.

const topic = z
  .string()
  .regex(/^(\*|[A-Za-z0-9_.-]{1,64})$/, "a topic is the part of an event type before ':' (e.g. memory), or *");
const topics = z.array(topic).min(1).max(WS_MAX_TOPICS);

const finite = z.number().finite();
const vec3 = z.tuple([finite, finite, finite]);
/** Echoed in the answer or error, so a client can match them to what it sent. */
const ref = z.string().max(64).optional();
const sceneIdField = z.string().min(1).max(100);

const clientMessages = {
  auth: z.object({ type: z.literal('auth'), token: z.string().min(1) }),
  subscribe: z.object({ type: z.literal('subscribe'), topics }),
  unsubscribe: z.object({ type: z.literal('unsubscribe'), topics }),
  ping: z.object({ type: z.literal('ping') }),
  join: z.object({ type: z.literal('join'), sceneId: sceneIdField, encoding: z.enum(['json', 'binary']).default('json'), ref }),
  leave: z.object({ type: z.literal('leave'), sceneId: sceneIdField, ref }),
  move: z
    .object({ type: z.literal('move'), entityId: z.string().min(1).max(64), sceneId: sceneIdField.optional(), position: vec3.optional(), rotation: vec3.optional(), ref })
    .refine((m) => m.position !== undefined || m.rotation !== undefined, 'give a position, a rotation or both'),
  chat: z.object({ type: z.literal('chat'), room: z.string().min(1).max(201), text: z.string().min(1).max(2000), ref }),
  /** Many moves in one message (an authoritative client, a simulation): `[entityId, x, y, z, rx, ry, rz]` rows. */
  moves: z.object({
    type: z.literal('moves'),
    sceneId: sceneIdField.optional(),
    moves: z.array(z.tuple([z.string().min(1).max(64), finite, finite, finite, finite, finite, finite])).min(1).max(1000),
    ref,
  }),
} as const;

/** Scenes one connection may have joined at once. */
export const WS_MAX_SCENES = 16;

type ClientMessageType = keyof typeof clientMessages;
type ClientMessage = { [K in ClientMessageType]: z.infer<(typeof clientMessages)[K]> }[ClientMessageType];

const MESSAGE_TYPES = Object.keys(clientMessages).join(', ');

/** Parses one frame into a valid client message, or says precisely what is wrong with it. */
function parseClientMessage(
  data: RawData,
): { ok: true; message: ClientMessage } | { ok: false; message: string; type?: ClientMessageType } {
  let value: unknown;
  try {
    value = JSON.parse(rawToString(data));
  } catch (err) {
    return { ok: false, message: `message is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: `message must be a JSON object with a string field "type" (${MESSAGE_TYPES})` };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, message: `type: expected a string, one of ${MESSAGE_TYPES}` };
  }
  if (!Object.prototype.hasOwnProperty.call(clientMessages, type)) {
    return { ok: false, message: `type: unknown message type ${JSON.stringify(type)}; expected one of ${MESSAGE_TYPES}` };
  }
  const result = clientMessages[type as ClientMessageType].safeParse(value);
  if (!result.success) return { ok: false, message: formatIssues(result.error.issues), type: type as ClientMessageType };
  return { ok: true, message: result.data };
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------

interface Client {
  ws: WebSocket;
  /** Null until the client authenticates. */
  actor: Actor | null;
  topics: Set<string>;
  /** Cleared at each ping, set by the pong; still clear at the next ping means a dead peer. */
  isAlive: boolean;
  authTimer?: NodeJS.Timeout;
  ip?: string;
  /** Scenes joined (their ids). */
  scenes: Set<string>;
  /** Of those, the scenes whose ticks this client takes in the binary encoding. */
  binary: Set<string>;
  /** The token it authenticated with, checked again when auth changes (a revoked token closes it). */
  token?: string;
}


/** Scene events that joined clients receive, by bus event type. */
const SCENE_EVENTS: Record<string, string> = {
  'game:chat:message': 'chat:message',
  'game:scene:updated': 'scene:updated',
  'game:scene:deleted': 'scene:deleted',
};

/** The topic of an event type: `memory:set` → `memory`. */
const topicOf = (eventType: string) => {
  const colon = eventType.indexOf(':');
  return colon === -1 ? eventType : eventType.slice(0, colon);
};

/** Sends as a text frame; a Buffer is written to the socket as is, without a per-client copy. */
const TEXT_FRAME = { binary: false };
const BINARY_FRAME = { binary: true };

export function createWsGateway(opts: WsGatewayOptions): WsGateway {
  const { bus, auth, onMetric } = opts;
  const { log } = opts;
  const maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const pingIntervalMs = opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const authTimeoutMs = opts.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS;

  // clientTracking off: the gateway keeps its own set, with per-client state.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const clients = new Set<Client>();
  let closing: Promise<void> | null = null;
  const onClientClosed = new Set<() => void>();

  /**
   * Sends one frame unless the client is already behind by more than maxBufferedBytes; then it is
   * closed with 1013 and nothing more is queued for it. Returns whether the frame was queued.
   */
  const send = (client: Client, data: Buffer | string, options: { binary: boolean } = TEXT_FRAME): boolean => {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > maxBufferedBytes) {
      log.info('dropping slow consumer', { ip: client.ip, bufferedBytes: ws.bufferedAmount });
      ws.close(WS_CLOSE.TRY_AGAIN_LATER, 'slow consumer');
      onMetric?.({ type: 'dropped', count: 1 });
      return false;
    }
    ws.send(data, options);
    return true;
  };
  const sendJson = (client: Client, value: unknown) => send(client, JSON.stringify(value));

  /**
   * Events come in bursts (a group commit acknowledges many writes at once). Holding each socket
   * corked until the end of the event-loop turn sends a burst to a client as one write instead of
   * one system call per event: with 1,000 clients that is most of the fan-out's cost.
   * (`_socket` is ws's underlying net.Socket; ws has no public cork.)
   */
  const corked = new Set<{ cork(): void; uncork(): void }>();
  const uncorkAll = () => {
    for (const socket of corked) socket.uncork();
    corked.clear();
  };
  const corkFor = (ws: WebSocket) => {
    const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket || corked.has(socket)) return;
    if (corked.size === 0) setImmediate(uncorkAll);
    socket.cork();
    corked.add(socket);
  };

  /** Clients by the scenes they joined. */
  const members = new Map<string, Set<Client>>();
  const leave = (client: Client, sceneId: string) => {
    client.scenes.delete(sceneId);
    client.binary.delete(sceneId);
    const set = members.get(sceneId);
    set?.delete(client);
    if (set?.size === 0) members.delete(sceneId);
  };

  /** Sends a scene's tick or event to the clients that joined it: serialised once, sent corked. */
  const toScene = (event: RaosEvent) => {
    const payload = event.payload as { sceneId?: string; tick?: number; deltas?: unknown[]; moves?: unknown[][]; handles?: number[] } | undefined;
    const sceneId = payload?.sceneId;
    if (typeof sceneId !== 'string') return;
    const set = members.get(sceneId);
    if (!set || set.size === 0) return;
    // Each encoding serialised once, and only if a client takes it.
    let text: Buffer | undefined;
    let binary: Buffer | undefined;
    const isTick = event.eventType === 'game:tick';
    const textFrame = () => {
      let message: unknown;
      if (isTick) {
        message = { type: 'tick', sceneId, tick: payload!.tick, timestamp: event.timestamp, deltas: payload!.deltas ?? [], moves: payload!.moves ?? [] };
      } else {
        const { sceneId: _omit, ...rest } = payload as Record<string, unknown>;
        message = { eventType: SCENE_EVENTS[event.eventType], sceneId, payload: rest.message ?? rest.scene ?? rest, timestamp: event.timestamp };
      }
      return Buffer.from(JSON.stringify(message), 'utf8');
    };
    let delivered = 0;
    for (const client of set) {
      if (client.ws.readyState === WebSocket.OPEN) corkFor(client.ws);
      const sent =
        isTick && client.binary.has(sceneId)
          ? send(
              client,
              (binary ??= encodeBinaryTick({
                sceneId,
                tick: payload!.tick ?? 0,
                timestamp: event.timestamp,
                deltas: payload!.deltas ?? [],
                moves: payload!.moves ?? [],
                handles: payload!.handles ?? [],
              })),
              BINARY_FRAME,
            )
          : send(client, (text ??= textFrame()));
      if (sent) delivered++;
    }
    if (event.eventType === 'game:scene:deleted') for (const client of [...set]) leave(client, sceneId);
    if (delivered > 0) onMetric?.({ type: 'delivered', count: delivered });
  };

  const onEvent = (event: RaosEvent) => {
    if (event.eventType === 'game:tick' || SCENE_EVENTS[event.eventType]) toScene(event);
    const eventTopic = topicOf(event.eventType);
    let frame: Buffer | undefined;
    let delivered = 0;
    for (const client of clients) {
      if (!client.topics.has(eventTopic) && !client.topics.has('*')) continue;
      if (opts.visible && (!client.actor || !opts.visible(client.actor, event))) continue;
      // Serialised at most once per publish, and only when someone listens.
      if (frame === undefined) {
        try {
          frame = Buffer.from(JSON.stringify(event), 'utf8');
        } catch (err) {
          log.warn('event cannot be serialised as JSON; not sent', {
            eventType: event.eventType,
            error: (err as Error).message,
          });
          return;
        }
      }
      if (client.ws.readyState === WebSocket.OPEN) corkFor(client.ws);
      if (send(client, frame)) delivered++;
    }
    if (delivered > 0) onMetric?.({ type: 'delivered', count: delivered });
  };
  const unsubscribeBus = bus.subscribe(onEvent);

  // One timer for all clients rather than one per client.
  const pingTimer = setInterval(() => {
    for (const client of clients) {
      if (!client.isAlive) {
        log.debug('terminating a client that missed a pong', { ip: client.ip });
        client.ws.terminate();
        continue;
      }
      client.isAlive = false;
      if (client.ws.readyState === WebSocket.OPEN) client.ws.ping();
    }
  }, pingIntervalMs);
  pingTimer.unref();

  // A connection keeps the actor it authenticated as; when auth changes (a token revoked, a user
  // disabled or given another role), every connection's token is checked again: one no longer valid is
  // closed with 4401, the others carry on with the actor as it is now.
  /** Takes everything from a client whose token is no longer valid, then closes it: nothing it sends after counts. */
  const revoke = (client: Client) => {
    client.actor = null;
    client.token = undefined;
    client.topics.clear();
    for (const sceneId of [...client.scenes]) leave(client, sceneId);
    client.ws.close(WS_CLOSE.UNAUTHORIZED, 'token revoked or expired');
  };
  let seenGeneration = opts.authGeneration?.();
  let rechecking = false;
  const recheck = async () => {
    const now = Date.now();
    for (const client of clients) {
      const expiresAt = client.actor?.expiresAt;
      if (expiresAt !== undefined && expiresAt <= now && client.ws.readyState === WebSocket.OPEN) revoke(client);
    }
    const generation = opts.authGeneration?.();
    if (generation === undefined || generation === seenGeneration || rechecking) return;
    rechecking = true;
    seenGeneration = generation;
    try {
      for (const client of clients) {
        if (!client.actor || !client.token || client.ws.readyState !== WebSocket.OPEN) continue;
        const actor = await auth.verify(client.token, 'ws');
        if (!actor) {
          log.info('closing a WebSocket client whose token is no longer valid', { ip: client.ip, actor: client.actor.name });
          revoke(client);
        } else client.actor = client.ip ? { ...actor, ip: client.ip } : actor;
      }
    } finally {
      rechecking = false;
    }
  };
  const recheckTimer = setInterval(() => void recheck().catch((err) => log.warn('rechecking WebSocket tokens failed', { error: String(err) })), opts.recheckMs ?? 1000);
  recheckTimer.unref();

  const authenticated = (client: Client, actor: Actor, token: string) => {
    client.actor = client.ip ? { ...actor, ip: client.ip } : actor;
    client.token = token;
    clearTimeout(client.authTimer);
    client.authTimer = undefined;
    sendJson(client, { type: 'ready', actor: describeActor(client.actor) });
  };

  const subscribe = (client: Client, topics: string[]) => {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    const next = new Set(client.topics);
    for (const t of topics) next.add(t);
    if (next.size > WS_MAX_TOPICS) {
      sendJson(client, {
        type: 'error',
        code: 'INVALID_INPUT',
        message: `topics: at most ${WS_MAX_TOPICS} topics per connection (this would make ${next.size})`,
      });
      return;
    }
    client.topics = next;
    sendJson(client, { type: 'subscribed', topics: [...next].sort() });
  };

  const handleMessage = (client: Client, data: RawData) => {
    const parsed = parseClientMessage(data);
    if (!client.actor) {
      // Before authentication only an auth message is accepted, and any failure closes.
      if (!parsed.ok || parsed.message.type !== 'auth') {
        const isAuth = !parsed.ok && parsed.type === 'auth';
        client.ws.close(WS_CLOSE.UNAUTHORIZED, isAuth ? 'missing token' : 'authenticate first: {"type":"auth","token":"..."}');
        return;
      }
    }
    if (!parsed.ok) {
      sendJson(client, { type: 'error', code: 'INVALID_INPUT', message: parsed.message });
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'auth': {
        void Promise.resolve(auth.verify(message.token, 'ws')).then((actor) => {
          if (!actor) {
            log.info('rejected a WebSocket client with a bad token', { ip: client.ip });
            client.ws.close(WS_CLOSE.UNAUTHORIZED, 'invalid token');
            return;
          }
          authenticated(client, actor, message.token);
        }, (err) => client.ws.close(WS_CLOSE.UNAUTHORIZED, String((err as Error).message).slice(0, 120)));
        return;
      }
      case 'subscribe': {
        if (opts.authorizeSubscribe) {
          const actor = client.actor!;
          void opts.authorizeSubscribe(actor, message.topics).then(
            () => subscribe(client, message.topics),
            (err) => {
              const raos = toRaosError(err);
              const retryAfterMs = raos.details?.retryAfterMs;
              sendJson(client, { type: 'error', code: raos.code, message: raos.message, ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}) });
            },
          );
          return;
        }
        subscribe(client, message.topics);
        return;
      }
      case 'unsubscribe': {
        for (const t of message.topics) client.topics.delete(t);
        sendJson(client, { type: 'subscribed', topics: [...client.topics].sort() });
        return;
      }
      case 'ping':
        sendJson(client, { type: 'pong', timestamp: Date.now() });
        return;
      case 'join':
      case 'leave':
      case 'move':
      case 'moves':
      case 'chat':
        void handleScene(client, message).catch((err) => {
          const raos = toRaosError(err);
          const retryAfterMs = raos.details?.retryAfterMs;
          sendJson(client, {
            type: 'error',
            code: raos.code,
            message: raos.message,
            ...(message.ref !== undefined ? { ref: message.ref } : {}),
            ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
          });
        });
        return;
    }
  };

  type SceneMessage = Extract<ClientMessage, { type: 'join' | 'leave' | 'move' | 'moves' | 'chat' }>;

  const sceneOfMove = (client: Client, sceneId: string | undefined): string => {
    let id = sceneId;
    if (id === undefined && client.scenes.size === 1) id = [...client.scenes][0];
    if (id === undefined || !client.scenes.has(id)) {
      throw invalidInput(`sceneId: join the entity's scene first${client.scenes.size > 1 ? ', and name it in the move' : ''}`);
    }
    return id;
  };
  const handleScene = async (client: Client, message: SceneMessage): Promise<void> => {
    const scenes = opts.scenes;
    if (!scenes) throw invalidInput(`type: ${message.type} needs the game module, which this daemon does not run`);
    const actor = client.actor!;
    const echo = message.ref !== undefined ? { ref: message.ref } : {};
    switch (message.type) {
      case 'join': {
        if (!client.scenes.has(message.sceneId) && client.scenes.size >= WS_MAX_SCENES) {
          throw invalidInput(`sceneId: at most ${WS_MAX_SCENES} scenes per connection; leave one first`);
        }
        const { sceneId, snapshot } = await scenes.join(actor, message.sceneId);
        if (client.ws.readyState !== WebSocket.OPEN || client.actor === null) return;
        // Checked again: joins sent together all passed the first check before any was added.
        if (!client.scenes.has(sceneId) && client.scenes.size >= WS_MAX_SCENES) {
          throw invalidInput(`sceneId: at most ${WS_MAX_SCENES} scenes per connection; leave one first`);
        }
        // Member before the snapshot is sent: a tick published meanwhile follows it, never precedes it.
        client.scenes.add(sceneId);
        if (message.encoding === 'binary') client.binary.add(sceneId);
        else client.binary.delete(sceneId);
        let set = members.get(sceneId);
        if (!set) members.set(sceneId, (set = new Set()));
        set.add(client);
        sendJson(client, { type: 'joined', sceneId, encoding: message.encoding, ...snapshot, ...echo });
        return;
      }
      case 'leave': {
        const sceneId = [...client.scenes].find((id) => id === message.sceneId);
        if (!sceneId) throw invalidInput(`sceneId: this connection has not joined ${message.sceneId}`);
        leave(client, sceneId);
        sendJson(client, { type: 'left', sceneId, ...echo });
        return;
      }
      case 'move': {
        const sceneId = sceneOfMove(client, message.sceneId);
        await scenes.move(actor, { id: message.entityId, sceneId, position: message.position, rotation: message.rotation });
        return;
      }
      case 'moves': {
        // Each row is one move through the operation (its guard included); the first refusal stops the rest.
        const sceneId = sceneOfMove(client, message.sceneId);
        for (const [id, x, y, z, rx, ry, rz] of message.moves) {
          await scenes.move(actor, { id, sceneId, position: [x, y, z], rotation: [rx, ry, rz] });
        }
        return;
      }
      case 'chat':
        await scenes.chat(actor, { room: message.room, text: message.text });
        return;
    }
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage, actor: Actor | null, token?: string) => {
    const client: Client = { ws, actor: null, topics: new Set(), isAlive: true, ip: req.socket.remoteAddress, scenes: new Set(), binary: new Set() };
    clients.add(client);
    onMetric?.({ type: 'open' });

    ws.on('pong', () => {
      client.isAlive = true;
    });
    ws.on('message', (data) => {
      // A connection being closed (a revoked token, a shutdown) acts on nothing more it sends.
      if (ws.readyState !== WebSocket.OPEN) return;
      try {
        handleMessage(client, data);
      } catch (err) {
        log.error('WebSocket message handler failed', { error: (err as Error).message });
        sendJson(client, { type: 'error', code: 'INTERNAL', message: 'the server failed to handle the message' });
      }
    });
    // Protocol errors (oversized message → 1009, invalid UTF-8 → 1007): ws closes the connection itself.
    ws.on('error', (err) => {
      log.debug('WebSocket client error', { ip: client.ip, error: err.message, code: (err as { code?: string }).code });
    });
    ws.on('close', () => {
      clearTimeout(client.authTimer);
      clients.delete(client);
      for (const sceneId of [...client.scenes]) leave(client, sceneId);
      onMetric?.({ type: 'close' });
      for (const notify of onClientClosed) notify();
    });

    if (actor) {
      authenticated(client, actor, token!);
    } else {
      client.authTimer = setTimeout(() => {
        if (!client.actor) ws.close(WS_CLOSE.UNAUTHORIZED, 'authentication timed out');
      }, authTimeoutMs);
      client.authTimer.unref();
    }
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) {
      rejectUpgrade(socket, 503, 'Service Unavailable', { code: 'UNAVAILABLE', message: 'the server is shutting down; reconnect shortly' });
      return;
    }
    const token = requestToken(req);
    // A token in the header or query must be right; without one, the client may send an auth message.
    if (token === undefined) {
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, null));
      return;
    }
    void Promise.resolve(auth.verify(token, 'ws')).then(
      (actor) => {
        if (!actor) {
          log.info('rejected a WebSocket upgrade with a bad token', { ip: req.socket.remoteAddress });
          rejectUpgrade(socket, 401, 'Unauthorized', { code: 'UNAUTHORIZED', message: 'invalid token' });
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, actor, token));
      },
      () => rejectUpgrade(socket, 503, 'Service Unavailable', { code: 'UNAVAILABLE', message: 'could not check the token' }),
    );
  };

  const close: WsGateway['close'] = (options = {}) => {
    if (closing) return closing;
    const code = options.code ?? WS_CLOSE.SERVICE_RESTART;
    const reason = options.reason ?? 'server restarting';
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    if (!isSendableCloseCode(code)) {
      return Promise.reject(invalidInput(`code: ${code} is not a close code a server may send`));
    }
    if (Buffer.byteLength(reason) > 123) {
      return Promise.reject(invalidInput('reason: at most 123 bytes (a WebSocket close frame limit)'));
    }

    closing = (async () => {
      unsubscribeBus();
      clearInterval(pingTimer);
      clearInterval(recheckTimer);
      for (const client of clients) {
        clearTimeout(client.authTimer);
        client.ws.close(code, reason);
      }
      if (!(await waitForNoClients(timeoutMs))) {
        log.info('terminating WebSocket clients that did not close in time', { count: clients.size });
        for (const client of clients) client.ws.terminate();
        await waitForNoClients(1_000);
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    })();
    return closing;
  };

  /** Resolves true once every client has closed, or false after timeoutMs. */
  const waitForNoClients = (timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (clients.size === 0) return resolve(true);
      const done = (value: boolean) => {
        clearTimeout(timer);
        onClientClosed.delete(check);
        resolve(value);
      };
      const check = () => {
        if (clients.size === 0) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      onClientClosed.add(check);
    });

  return {
    handleUpgrade,
    close,
    get clientCount() {
      return clients.size;
    },
  };
}

/** Answers an upgrade request with a plain HTTP error (`{ error: { code, message } }`), then closes the socket. */
function rejectUpgrade(
  socket: Duplex,
  status: number,
  statusText: string,
  error: { code: ErrorCode; message: string },
): void {
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      (status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '') +
      '\r\n' +
      body,
  );
}

/** The codes ws lets an endpoint send (RFC 6455 §7.4, and 3000–4999 for applications). */
function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))
  );
}
