/**
 * Rate limits per module, counted per actor and per client IP over a minute and an hour
 * (rate-limiter-flexible). The operation guard consumes one point per call, so every door (tRPC,
 * REST, /ws, the CLI through the daemon) is limited the same way; a call over a limit is RATE_LIMITED
 * with `details.retryAfterMs`, which the HTTP doors turn into 429 and `Retry-After`.
 *
 * The in-memory limiter serves one daemon; several daemons will share a Redis-backed one behind the
 * same `RateLimits` interface (rate-limiter-flexible's RateLimiterRedis).
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Actor } from './actor.js';
import type { RaosConfig } from './config.js';
import { RaosError } from './errors.js';

export interface RateLimits {
  /**
   * Counts one call of `module`'s operations by `actor`; rejects with RATE_LIMITED when over a limit.
   * Returns undefined (no promise to wait for) when nothing is counted: an exempt owner, no limits.
   */
  consume(module: string, actor: Actor): Promise<void> | undefined;
}

interface Window {
  limiter: RateLimiterAbstract;
  points: number;
  label: string;
}

type LimitConfig = RaosConfig['rateLimits'];
type ModuleLimit = LimitConfig['default'];


/** What happened when a call went over: whether this is the first refusal of the window (worth auditing). */
export interface LimitRefusal {
  module: string;
  key: string;
  limit: string;
  retryAfterMs: number;
  first: boolean;
}

export function createRateLimits(config: LimitConfig, onRefusal?: (refusal: LimitRefusal) => void): RateLimits | undefined {
  if (!config.enabled) return undefined;
  const windows = new Map<string, Window[]>();
  /** The module's own entry in rateLimits (cms, game, client, auth, live), else `default`. */
  const ownEntry = (module: string): boolean =>
    module !== 'default' && Object.prototype.hasOwnProperty.call(config, module) && typeof (config as Record<string, unknown>)[module] === 'object';
  const limitsOf = (module: string): ModuleLimit => (ownEntry(module) ? (config as unknown as Record<string, ModuleLimit>)[module] : config.default);
  const windowsOf = (module: string): Window[] => {
    let list = windows.get(module);
    if (list) return list;
    const limits = limitsOf(module);
    list = [];
    if (limits.perMinute > 0) {
      list.push({ limiter: new RateLimiterMemory({ points: limits.perMinute, duration: 60, keyPrefix: `${module}:m` }), points: limits.perMinute, label: `${limits.perMinute} per minute` });
    }
    if (limits.perHour > 0) {
      list.push({ limiter: new RateLimiterMemory({ points: limits.perHour, duration: 3600, keyPrefix: `${module}:h` }), points: limits.perHour, label: `${limits.perHour} per hour` });
    }
    windows.set(module, list);
    return list;
  };

  return {
    consume(module, actor) {
      if (config.exemptOwner && actor.kind === 'owner') return undefined;
      const list = windowsOf(module);
      if (list.length === 0) return undefined;
      return count(module, actor, list);
    },
  };

  async function count(module: string, actor: Actor, list: Window[]): Promise<void> {
    // An actor is limited by who it is and where it calls from; an anonymous caller by its IP alone.
    const keys = actor.kind === 'anonymous' ? [] : [`actor:${actor.id}`];
    if (actor.ip) keys.push(`ip:${actor.ip}`);
    for (const window of list) {
      for (const key of keys) {
        try {
          await window.limiter.consume(key);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err;
          const retryAfterMs = Math.max(1, err.msBeforeNext);
          const first = err.consumedPoints === window.points + 1;
          onRefusal?.({ module, key, limit: window.label, retryAfterMs, first });
          const who = key.startsWith('ip:') ? `from ${actor.ip}` : `by ${actor.name}`;
          throw new RaosError('RATE_LIMITED', `too many ${module} requests ${who}: the limit is ${window.label}`, {
            hint: `Retry after ${Math.ceil(retryAfterMs / 1000)} s; the limits are rateLimits.${ownEntry(module) ? module : 'default'}.* in raos.json.`,
            details: { retryAfterMs, module, limit: window.label, firstInWindow: first },
          });
        }
      }
    }
  }
}
