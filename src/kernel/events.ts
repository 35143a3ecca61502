/**
 * The kernel's event bus. Operations publish after their transaction is durable; the daemon fans
 * events out to WebSocket and tRPC subscribers. Listeners that throw are logged, never propagated.
 */
export interface RaosEvent<P = unknown> {
  /** `<module>:<verb>`, e.g. `memory:set`. The topic is the part before the colon. */
  eventType: string;
  payload: P;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export type EventListener = (event: RaosEvent) => void;

export class EventBus {
  readonly #listeners = new Set<{ topics: Set<string> | null; fn: EventListener }>();
  readonly #onError: (err: unknown, event: RaosEvent) => void;

  constructor(options: { onError?: (err: unknown, event: RaosEvent) => void } = {}) {
    this.#onError = options.onError ?? (() => {});
  }

  /** Subscribes to every event, or only to the given topics (`memory`, `game`, ...). Returns the unsubscribe. */
  subscribe(fn: EventListener, topics?: readonly string[]): () => void {
    const entry = { topics: topics ? new Set(topics) : null, fn };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  publish<P>(eventType: string, payload: P, timestamp: number = Date.now()): RaosEvent<P> {
    const event: RaosEvent<P> = { eventType, payload, timestamp };
    const topic = eventType.split(':', 1)[0];
    for (const listener of this.#listeners) {
      if (listener.topics && !listener.topics.has(topic)) continue;
      try {
        listener.fn(event);
      } catch (err) {
        this.#onError(err, event);
      }
    }
    return event;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
