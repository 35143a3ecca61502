/**
 * Workspace configuration, resolved once in a fixed order and validated into one typed object:
 *
 *   overrides (`-c key=value`) > environment (`RAOS_*` and the seed's aliases) > `raos.<environment>.json`
 *   > `raos.json` > defaults
 *
 * This is the only place that reads environment variables for configuration, and it takes them as a
 * parameter. Loaded on every CLI start, so it imports nothing but zod and node built-ins.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as z from 'zod';
import { RaosError, formatIssues } from './errors.js';
import { writeFileAtomic } from './durable.js';
import { CONFIG_FILE } from './workspace.js';

export const ENVIRONMENTS = ['development', 'staging', 'production', 'test'] as const;
export type RaosEnvironment = (typeof ENVIRONMENTS)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export const STORAGE_DRIVERS = ['sqljs', 'postgres'] as const;

/** Extra facts the key listing and error messages use; attached with zod's `.meta()`. */
interface KeyMeta {
  description?: string;
  /** What is allowed, in words, when the type alone does not say it. */
  allowed?: string;
  /** How to describe the default when it is computed (e.g. from the workspace folder). */
  defaultLabel?: string;
  /** Mask the value in messages and listings (it may hold a password). */
  secret?: boolean;
  /** A more precise type than the schema's for listings (a string that holds a duration). */
  type?: 'duration';
}

const DURATION_ALLOWED = 'a duration such as 500ms, 30s, 10m, 1h30m, 2d, 1w, or a bare number of seconds';

const durationString = z.string().refine((value) => durationMs(value) !== undefined, { message: DURATION_ALLOWED });

/** Requests per minute and per hour of one module, counted per actor and per client IP; 0 means no limit. */
function moduleLimits(perMinute: number, perHour: number, what: string) {
  return z
    .object({
      perMinute: z.number().int().min(0).default(perMinute).meta({
        description: `Requests per minute to ${what}, per actor and per IP; 0: no limit.`,
      } satisfies KeyMeta),
      perHour: z.number().int().min(0).default(perHour).meta({
        description: `Requests per hour to ${what}, per actor and per IP; 0: no limit.`,
      } satisfies KeyMeta),
    })
    .strict()
    .prefault({});
}

/**
 * The shape of `raos.json` and `raos.<environment>.json`. Every key has a default (or is optional), so an
 * empty file is valid; unknown keys are errors so typos do not pass silently.
 */
export const configFileSchema = z
  .object({
    name: z.string().min(1).default('raos').meta({
      description: 'Display name of the workspace.',
      defaultLabel: 'the workspace folder name',
    } satisfies KeyMeta),
    environment: z.enum(ENVIRONMENTS).default('development').meta({
      description: 'Which environment this is; also selects raos.<environment>.json.',
    } satisfies KeyMeta),
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(7077).meta({
          description: 'TCP port the daemon listens on; 0 picks a free one (raos daemon status shows it).',
        } satisfies KeyMeta),
        host: z.string().min(1).default('127.0.0.1').meta({
          description: 'Interface the daemon binds; 0.0.0.0 exposes it to the network.',
        } satisfies KeyMeta),
        publicHealth: z.boolean().default(true).meta({
          description: 'Serve /healthz without a token.',
        } satisfies KeyMeta),
        clientTimeoutMs: z.number().int().min(100).max(3600000).default(120000).meta({
          description: 'How long a CLI command waits for the daemon to answer before failing with UNAVAILABLE.',
        } satisfies KeyMeta),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        driver: z.enum(STORAGE_DRIVERS).default('sqljs').meta({
          description:
            'Database driver: sqljs keeps one portable .db file per module; postgres needs storage.postgresUrl.',
        } satisfies KeyMeta),
        dataDir: z.string().min(1).default('data').meta({
          description: 'Folder for databases, journals and the lock file, relative to the workspace.',
        } satisfies KeyMeta),
        lockTimeoutMs: z.number().int().min(0).max(600000).default(15000).meta({
          description: 'How long a CLI process waits for the workspace write lock before failing with LOCK_TIMEOUT.',
        } satisfies KeyMeta),
        checkpointBytes: z.number().int().min(4096).default(4194304).meta({
          description: 'Journal size in bytes that triggers a checkpoint of a sql.js database.',
        } satisfies KeyMeta),
        postgresUrl: z
          .string()
          .regex(/^postgres(ql)?:\/\/\S+$/)
          .optional()
          .meta({
            description: 'Connection URL used when storage.driver is postgres.',
            allowed: 'a postgres:// or postgresql:// URL',
            secret: true,
          } satisfies KeyMeta),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(LOG_LEVELS).default('warn').meta({
          description: 'Lowest level written to stderr (CLI) or the daemon log.',
        } satisfies KeyMeta),
      })
      .strict()
      .prefault({}),
    modules: z
      .object({
        dir: z.string().min(1).default('modules').meta({
          description: 'Folder of external modules, relative to the workspace.',
        } satisfies KeyMeta),
        disabled: z.array(z.string().min(1)).default([]).meta({
          description: 'Names of modules not to load.',
        } satisfies KeyMeta),
        initTimeoutMs: z.number().int().min(0).default(10000).meta({
          description: "How long one module's init() may take before it is marked failed.",
        } satisfies KeyMeta),
        settings: z
          .record(z.string(), z.record(z.string(), z.unknown()))
          .default({})
          .meta({
            description: 'Per-module settings, keyed by module name; each module validates its own entry.',
            allowed: 'a JSON object of objects, e.g. {"chat":{"maxRooms":10}}',
          } satisfies KeyMeta),
      })
      .strict()
      .prefault({}),
    memory: z
      .object({
        maxKeyLength: z.number().int().min(1).max(1024).default(256).meta({
          description: 'Longest key the Memory module accepts, in characters.',
        } satisfies KeyMeta),
        maxValueBytes: z.number().int().min(1).default(1048576).meta({
          description: 'Largest value the Memory module accepts, in bytes of JSON.',
        } satisfies KeyMeta),
        defaultTtl: durationString.optional().meta({
          description: 'Expiry applied to Memory entries stored without one; unset means no expiry.',
          allowed: DURATION_ALLOWED,
          type: 'duration',
        } satisfies KeyMeta),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        sessionTtl: durationString.default('12h').meta({
          description: 'How long a session token from `raos auth login` stays valid.',
          allowed: DURATION_ALLOWED,
          type: 'duration',
        } satisfies KeyMeta),
        passwordIterations: z.number().int().min(100000).max(10000000).default(600000).meta({
          description: "PBKDF2-HMAC-SHA256 iterations for new password hashes (OWASP's current figure is 600000).",
        } satisfies KeyMeta),
        maxLoginAttempts: z.number().int().min(1).max(1000).default(5).meta({
          description: 'Failed logins in a row after which an account is locked for auth.lockTime.',
        } satisfies KeyMeta),
        lockTime: durationString.default('15m').meta({
          description: 'How long an account stays locked after auth.maxLoginAttempts failures.',
          allowed: DURATION_ALLOWED,
          type: 'duration',
        } satisfies KeyMeta),
      })
      .strict()
      .prefault({}),
    game: z
      .object({
        tickHz: z.number().int().min(1).max(120).default(20).meta({
          description: 'Ticks per second of live scenes: updates to one entity within a tick reach /ws clients as one delta.',
        } satisfies KeyMeta),
        persistMs: z.number().int().min(50).max(60000).default(1000).meta({
          description: 'How often transforms moved live over /ws are written to game.db (and always on a graceful stop).',
        } satisfies KeyMeta),
        provider: z.enum(['rules', 'openai']).default('rules').meta({
          description: 'How `raos game generate` turns a sentence into a world: the built-in rules, or an OpenAI-compatible model.',
        } satisfies KeyMeta),
        openai: z
          .object({
            baseUrl: z
              .string()
              .regex(/^https?:\/\/\S+$/)
              .default('http://127.0.0.1:11434/v1')
              .meta({
                description: 'OpenAI-compatible API base URL (Ollama: http://127.0.0.1:11434/v1, llama.cpp: http://127.0.0.1:8080/v1).',
                allowed: 'an http:// or https:// URL',
              } satisfies KeyMeta),
            model: z.string().min(1).max(200).default('llama3.1').meta({ description: 'Model name sent to the endpoint.' } satisfies KeyMeta),
            apiKey: z.string().min(1).max(500).optional().meta({
              description: 'Bearer key for the endpoint, if it needs one.',
              secret: true,
            } satisfies KeyMeta),
            timeoutMs: z.number().int().min(1000).max(600000).default(60000).meta({
              description: 'How long to wait for the model before failing with UNAVAILABLE.',
            } satisfies KeyMeta),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    cms: z
      .object({
        plugins: z
          .object({
            hookTimeoutMs: z.number().int().min(10).max(60000).default(100).meta({
              description: "Time budget of one plugin hook call (the seed: under 100 ms); a hook over it is stopped and skipped.",
            } satisfies KeyMeta),
            memoryMb: z.number().int().min(16).max(4096).default(64).meta({
              description: "Memory budget of each plugin's sandbox process, in MiB of heap; over it the process is killed.",
            } satisfies KeyMeta),
            maxFailures: z.number().int().min(1).max(1000).default(3).meta({
              description: 'Failures in a row (timeouts, crashes, throws, bad results) after which a plugin is disabled.',
            } satisfies KeyMeta),
          })
          .strict()
          .prefault({}),
        media: z
          .object({
            maxBytes: z.number().int().min(1).max(1073741824).default(10485760).meta({
              description: 'Largest media file `raos cms media add` accepts, in bytes.',
            } satisfies KeyMeta),
          })
          .strict()
          .prefault({}),
        site: z
          .object({
            title: z.string().min(1).max(200).default('RaOS site').meta({ description: 'Title of the built site, its feed and its pages.' } satisfies KeyMeta),
            description: z.string().max(1000).default('').meta({ description: "The site's description (feed and index page)." } satisfies KeyMeta),
            url: z
              .string()
              .regex(/^https?:\/\/\S+\/$/)
              .default('http://127.0.0.1:7077/site/')
              .meta({
                description: "Absolute URL the site is published at, ending in /: the feed and sitemap need absolute links (the daemon serves it at /site/).",
                allowed: 'an http:// or https:// URL ending in /',
              } satisfies KeyMeta),
            outDir: z.string().min(1).default('site').meta({ description: '`raos cms build` writes here, relative to the workspace; the daemon serves it at /site/.' } satisfies KeyMeta),
            postsPerPage: z.number().int().min(1).max(1000).default(10).meta({ description: 'Posts on each index page.' } satisfies KeyMeta),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    rateLimits: z
      .object({
        enabled: z.boolean().default(true).meta({
          description: 'Answer requests over the limits below with RATE_LIMITED (HTTP 429 and Retry-After).',
        } satisfies KeyMeta),
        exemptOwner: z.boolean().default(true).meta({
          description: "The workspace owner (the daemon's owner token and the local CLI) is not limited.",
        } satisfies KeyMeta),
        default: moduleLimits(600, 0, 'modules without their own entry below'),
        cms: moduleLimits(60, 1000, 'the CMS (the seed: 60/min, 1000/h)'),
        game: moduleLimits(120, 0, 'the game engine (the seed: 120/min)'),
        client: moduleLimits(30, 0, 'the client builder (the seed: 30/min)'),
        auth: moduleLimits(60, 1000, 'auth: logins, tokens, users'),
        live: moduleLimits(3000, 0, 'live moves over /ws (at most a few per tick)'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The resolved configuration: the file shape plus rules that span keys (checked once all layers merge). */
export const configSchema = configFileSchema.superRefine((config, ctx) => {
  if (config.storage.driver === 'postgres' && !config.storage.postgresUrl) {
    ctx.addIssue({
      code: 'custom',
      path: ['storage', 'postgresUrl'],
      message: 'is required when storage.driver is postgres',
    });
  }
});

export type RaosConfig = z.output<typeof configSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Keys, derived once from the schema
// ---------------------------------------------------------------------------------------------------------------

export type ConfigKeyType = 'string' | 'duration' | 'integer' | 'number' | 'boolean' | 'enum' | 'string[]' | 'record';

/** One dotted leaf key, as `raos config list` shows it. */
export interface ConfigKeyInfo {
  key: string;
  description: string;
  type: ConfigKeyType;
  /** What is allowed, in words: "one of: sqljs, postgres", "an integer from 1 to 65535". */
  allowed: string;
  /** The default value; undefined for optional keys and for `name` (computed from the folder). */
  default: unknown;
  /** The default as text for listings: `7077`, `"warn"`, `(unset)`, `the workspace folder name`. */
  defaultLabel: string;
  /** Environment variables read for this key, strongest first. */
  env: string[];
  /** True when values should be masked in output. */
  secret: boolean;
}

interface Leaf extends ConfigKeyInfo {
  path: string[];
  /** The leaf's own schema without default/optional wrappers, used to check one value. */
  schema: z.ZodType;
  values?: readonly string[];
}

/** The seed's names and short forms, read after the generic `RAOS_*` name. */
const ENV_ALIASES: Record<string, string[]> = {
  'server.port': ['RAOS_PORT', 'RACORE_PORT'],
  'server.host': ['RAOS_HOST'],
  environment: ['RAOS_ENV', 'CMS_ENVIRONMENT'],
};

/** `storage.lockTimeoutMs` → `RAOS_STORAGE_LOCK_TIMEOUT_MS`. */
export function envVarName(key: string): string {
  const snake = key
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))
    .join('_');
  return `RAOS_${snake.toUpperCase()}`;
}

interface ZodInternals {
  _zod: { def: { type: string; innerType?: z.ZodType; defaultValue?: unknown; shape?: Record<string, z.ZodType> } };
  meta(): KeyMeta | undefined;
}

const internals = (schema: z.ZodType) => schema as unknown as ZodInternals;

let leafCache: { leaves: Leaf[]; byKey: Map<string, Leaf>; groups: Map<string, string[]> } | undefined;

function keyTable() {
  if (leafCache) return leafCache;
  const leaves: Leaf[] = [];
  const groups = new Map<string, string[]>();
  const walk = (shape: Record<string, z.ZodType>, prefix: string[]) => {
    for (const [name, outer] of Object.entries(shape)) {
      const path = [...prefix, name];
      const key = path.join('.');
      let schema = outer;
      let meta: KeyMeta = {};
      let fallback: unknown;
      for (;;) {
        meta = { ...(internals(schema).meta() ?? {}), ...meta };
        const def = internals(schema)._zod.def;
        if (def.type === 'default' || def.type === 'prefault') fallback = def.defaultValue;
        else if (def.type !== 'optional') break;
        schema = def.innerType as z.ZodType;
      }
      const def = internals(schema)._zod.def;
      if (def.type === 'object') {
        groups.set(key, Object.keys(def.shape ?? {}).map((child) => `${key}.${child}`));
        walk(def.shape ?? {}, path);
        continue;
      }
      leaves.push(makeLeaf({ key, path, schema, meta, fallback }));
    }
  };
  walk(configFileSchema.shape as unknown as Record<string, z.ZodType>, []);
  leafCache = { leaves, byKey: new Map(leaves.map((leaf) => [leaf.key, leaf])), groups };
  return leafCache;
}

function makeLeaf(args: { key: string; path: string[]; schema: z.ZodType; meta: KeyMeta; fallback: unknown }): Leaf {
  const { key, path, schema, meta, fallback } = args;
  const kind = internals(schema)._zod.def.type;
  let type: ConfigKeyType;
  let allowed: string;
  let values: readonly string[] | undefined;
  if (kind === 'number') {
    const n = schema as z.ZodNumber;
    type = n.isInt ? 'integer' : 'number';
    const noun = n.isInt ? 'an integer' : 'a number';
    const min = n.minValue !== null && Math.abs(n.minValue) < 1e15 ? n.minValue : undefined;
    const max = n.maxValue !== null && Math.abs(n.maxValue) < 1e15 ? n.maxValue : undefined;
    allowed =
      min !== undefined && max !== undefined
        ? `${noun} from ${min} to ${max}`
        : min !== undefined
          ? `${noun} >= ${min}`
          : max !== undefined
            ? `${noun} <= ${max}`
            : noun;
  } else if (kind === 'enum') {
    type = 'enum';
    values = (schema as z.ZodEnum).options as string[];
    allowed = `one of: ${values.join(', ')}`;
  } else if (kind === 'boolean') {
    type = 'boolean';
    allowed = 'true or false (1 or 0 also accepted in environment variables and -c)';
  } else if (kind === 'string') {
    type = 'string';
    allowed = 'a non-empty string';
  } else if (kind === 'array') {
    type = 'string[]';
    allowed = 'a list of non-empty strings (comma-separated in environment variables and -c)';
  } else if (kind === 'record') {
    type = 'record';
    allowed = 'a JSON object';
  } else {
    throw new Error(`config schema: unsupported leaf type ${kind} at ${key}`);
  }
  return {
    key,
    path,
    schema,
    values,
    type: meta.type ?? type,
    description: meta.description ?? '',
    allowed: meta.allowed ?? allowed,
    default: meta.defaultLabel ? undefined : fallback,
    defaultLabel: meta.defaultLabel ?? (fallback === undefined ? '(unset)' : JSON.stringify(fallback)),
    env: [envVarName(key), ...(ENV_ALIASES[key] ?? [])],
    secret: meta.secret === true,
  };
}

/** Every dotted leaf key with its description, type, default and environment variables, in schema order. */
export function listConfigKeys(): ConfigKeyInfo[] {
  return keyTable().leaves.map(({ key, description, type, allowed, default: def, defaultLabel, env, secret }) => ({
    key,
    description,
    type,
    allowed,
    default: def,
    defaultLabel,
    env: [...env],
    secret,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Key lookup and suggestions
// ---------------------------------------------------------------------------------------------------------------

/** A key is a leaf, or a path inside a record leaf (`modules.settings.chat.maxRooms`), or a group (`server`). */
type ResolvedKey =
  | { kind: 'leaf'; leaf: Leaf; subPath: string[] }
  | { kind: 'group'; key: string; children: string[] }
  | { kind: 'unknown' };

function resolveKey(key: string): ResolvedKey {
  const { byKey, groups } = keyTable();
  const exact = byKey.get(key);
  if (exact) return { kind: 'leaf', leaf: exact, subPath: [] };
  const group = groups.get(key);
  if (group) return { kind: 'group', key, children: group };
  const parts = key.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const leaf = byKey.get(parts.slice(0, i).join('.'));
    if (leaf?.type === 'record' && parts.slice(i).every((p) => p.length > 0)) {
      return { kind: 'leaf', leaf, subPath: parts.slice(i) };
    }
  }
  return { kind: 'unknown' };
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest known key, if one is close enough to be a likely typo. */
export function suggestConfigKey(input: string): string | undefined {
  const { leaves, groups } = keyTable();
  const normalize = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const wanted = normalize(input);
  const candidates = [...leaves.map((leaf) => leaf.key), ...groups.keys()];
  let best: { key: string; distance: number } | undefined;
  for (const key of candidates) {
    const distance = editDistance(wanted, normalize(key));
    if (!best || distance < best.distance) best = { key, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(wanted.length / 4))) return best.key;
  // `port` → `server.port`: a bare last segment that names exactly one leaf.
  const last = normalize(input.split('.').pop() ?? '');
  const byLast = leaves.filter((leaf) => normalize(leaf.path[leaf.path.length - 1]) === last);
  return byLast.length === 1 ? byLast[0].key : undefined;
}

function unknownKeyText(key: string): { message: string; suggestion?: string } {
  const suggestion = suggestConfigKey(key);
  return {
    message: `Unknown config key "${key}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
    suggestion,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Values: coercion from strings, checks, messages
// ---------------------------------------------------------------------------------------------------------------

function showValue(leaf: Leaf | undefined, value: unknown): string {
  if (leaf?.secret && value !== undefined) return '"***"';
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Where a value came from, in words for messages: a file path, an env var, or a -c option. */
type Origin =
  | { kind: 'file'; file: string }
  | { kind: 'env'; name: string }
  | { kind: 'override'; key: string }
  | { kind: 'value' };

function originText(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `in ${origin.file}`;
    case 'env':
      return `from environment variable ${origin.name}`;
    case 'override':
      return `from -c ${origin.key}`;
    case 'value':
      return 'given';
  }
}

function originHint(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `Fix the value in ${origin.file}; \`raos config list\` shows every key and what it allows.`;
    case 'env':
      return `Fix or unset ${origin.name}; \`raos config list\` shows every key and what it allows.`;
    case 'override':
      return `Fix the -c ${origin.key}=... option; \`raos config list\` shows every key and what it allows.`;
    case 'value':
      return '`raos config list` shows every key and what it allows.';
  }
}

function badValue(args: {
  code: 'CONFIG_INVALID' | 'INVALID_INPUT';
  key: string;
  leaf?: Leaf;
  value: unknown;
  origin: Origin;
  reason?: string;
}): RaosError {
  const { code, key, leaf, value, origin, reason } = args;
  const allowed = leaf ? leaf.allowed : 'an object';
  const why = reason ? ` (${reason})` : '';
  return new RaosError(
    code,
    `Invalid value for ${key} ${originText(origin)}: ${showValue(leaf, value)}. Allowed: ${allowed}${why}.`,
    {
      hint: originHint(origin),
      details: {
        key,
        source: origin.kind,
        ...(origin.kind === 'file' ? { file: origin.file } : {}),
        ...(origin.kind === 'env' ? { env: origin.name } : {}),
        value: leaf?.secret ? '***' : value,
        allowed,
      },
    },
  );
}

class CoerceError extends Error {}

/** Turns an env var / `-c` / `config set` string into the leaf's type; the schema checks the result. */
function coerceString(leaf: Leaf, raw: string): unknown {
  switch (leaf.type) {
    case 'integer':
    case 'number': {
      const text = raw.trim();
      if (!/^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new CoerceError('not a number');
      return Number(text);
    }
    case 'boolean': {
      const text = raw.trim().toLowerCase();
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw new CoerceError('not a boolean');
    }
    case 'enum': {
      // The seed's ASP.NET environments are capitalised (`Production`); accept any case from strings.
      const text = raw.trim();
      return leaf.values?.find((v) => v.toLowerCase() === text.toLowerCase()) ?? text;
    }
    case 'string[]': {
      const text = raw.trim();
      if (text.startsWith('[')) return parseJson(text);
      return text === ''
        ? []
        : text
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0);
    }
    case 'record':
      return parseJson(raw);
    case 'string':
    case 'duration':
      return raw;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CoerceError(`not valid JSON: ${(err as Error).message}`);
  }
}

/** Coerces (when a string from env / -c / set) and checks one leaf value; throws a message naming the origin. */
function checkLeafValue(args: {
  leaf: Leaf;
  raw: string;
  origin: Origin;
  code: 'CONFIG_INVALID' | 'INVALID_INPUT';
  subPath?: string[];
}): unknown {
  const { leaf, raw, origin, code, subPath = [] } = args;
  const key = [leaf.key, ...subPath].join('.');
  if (subPath.length > 0) {
    // Inside a record (module settings) the type is the module's business: JSON when it parses, else a string.
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  let value: unknown;
  try {
    value = coerceString(leaf, raw);
  } catch (err) {
    if (err instanceof CoerceError) throw badValue({ code, key, leaf, value: raw, origin, reason: err.message });
    throw err;
  }
  const result = leaf.schema.safeParse(value);
  if (!result.success) {
    const isNested = leaf.type === 'record' || leaf.type === 'string[]';
    const reason = isNested ? formatIssues(result.error.issues, key) : undefined;
    throw badValue({ code, key, leaf, value, origin, reason });
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------------------------
// Config files
// ---------------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function getPath(obj: unknown, path: readonly PropertyKey[]): unknown {
  let current = obj;
  for (const part of path) {
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function setPath(obj: JsonObject, path: readonly string[], value: unknown): void {
  let current = obj;
  for (const part of path.slice(0, -1)) {
    if (!isObject(current[part])) current[part] = {};
    current = current[part] as JsonObject;
  }
  current[path[path.length - 1]] = value;
}

/** Reads a config file as JSON; undefined when it does not exist. Does not check the schema. */
function readJsonFile(file: string): JsonObject | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RaosError('CONFIG_INVALID', `Cannot read config file ${file}: ${(err as Error).message}`, {
      details: { file },
      cause: err,
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position && !/line \d+/.test(message)) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const column = Number(position[1]) - before.lastIndexOf('\n');
      where = ` (line ${line}, column ${column})`;
    }
    throw new RaosError('CONFIG_INVALID', `Config file ${file} is not valid JSON: ${message}${where}.`, {
      hint: `Fix the JSON syntax in ${file}.`,
      details: { file },
      cause: err,
    });
  }
  if (!isObject(data)) {
    const found = JSON.stringify(data);
    throw new RaosError('CONFIG_INVALID', `Config file ${file} must contain a JSON object, not ${found}.`, {
      hint: `Make ${file} an object such as {"server": {"port": 7077}}.`,
      details: { file },
    });
  }
  return data;
}

/** Checks a whole file's content against the schema; throws CONFIG_INVALID (or `code`) naming key and file. */
function checkFileContent(args: {
  file: string;
  data: JsonObject;
  isEnvFile: boolean;
  /** For `config set`: the key being written, whose problems are the caller's input. */
  writingKey?: string;
}): void {
  const { file, data, isEnvFile, writingKey } = args;
  if (isEnvFile && 'environment' in data) {
    const message = `"environment" cannot be set in ${file}: the environment selects that file.`;
    throw new RaosError('CONFIG_INVALID', message, {
      hint: `Remove "environment" from ${file}; set it in raos.json, RAOS_ENV or -c environment=...`,
      details: { file, key: 'environment' },
    });
  }
  const result = configFileSchema.safeParse(data);
  if (result.success) return;
  // An unknown key usually explains the rest (a typo), so report it first.
  const issues = [...result.error.issues].sort(
    (a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'),
  );
  const issue = issues[0];
  const others = issues.length - 1;
  const more = others > 0 ? ` (${others} more problem${others > 1 ? 's' : ''} in this file)` : '';
  const path = issue.path.map(String);
  const dotted = path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = [...path, issue.keys[0]].join('.');
    const { suggestion } = unknownKeyText(key);
    throw new RaosError(
      'CONFIG_INVALID',
      `Unknown config key "${key}" in ${file}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}${more}`,
      {
        hint: `Rename or remove it in ${file}; \`raos config list\` shows every key.`,
        details: { file, key, ...(suggestion ? { suggestion } : {}) },
      },
    );
  }
  const { byKey, groups } = keyTable();
  let leaf: Leaf | undefined;
  for (let i = path.length; i > 0 && !leaf; i--) leaf = byKey.get(path.slice(0, i).join('.'));
  const value = getPath(data, issue.path);
  if (!leaf) {
    const children = groups.get(dotted);
    const allowed = children ? `an object with keys ${children.join(', ')}` : issue.message;
    const shown = showValue(undefined, value);
    const message = `Invalid value for ${dotted} in ${file}: ${shown}. Allowed: ${allowed}.${more}`;
    throw new RaosError('CONFIG_INVALID', message, {
      hint: `Fix the value in ${file}; \`raos config list\` shows every key.`,
      details: { file, key: dotted, value },
    });
  }
  const reason = dotted !== leaf.key ? `${dotted}: ${issue.message}` : undefined;
  // A problem with the key being written is the caller's input; anything else was already in the file.
  const isWritten =
    writingKey !== undefined &&
    (dotted === writingKey || dotted.startsWith(`${writingKey}.`) || writingKey.startsWith(`${dotted}.`));
  const error = isWritten
    ? badValue({
        code: 'INVALID_INPUT',
        key: writingKey,
        leaf,
        value: getPath(data, writingKey.split('.')),
        origin: { kind: 'value' },
        reason,
      })
    : badValue({
        code: 'CONFIG_INVALID',
        key: leaf.key,
        leaf,
        value: getPath(data, leaf.path),
        origin: { kind: 'file', file },
        reason,
      });
  if (more) error.message += more;
  throw error;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------------------------

export type ConfigSource = 'default' | 'raos.json' | `raos.${string}.json` | 'env' | 'override';

export interface ConfigValueSource {
  /** The layer that set the value; for an environment file, its name (`raos.production.json`). */
  source: ConfigSource;
  /** The file path, environment variable name or `-c key` that set it. */
  detail?: string;
}

export interface LoadConfigOptions {
  /** The workspace folder holding raos.json. */
  root: string;
  /** Environment variables; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Values from `-c key=value` flags, by dotted key; strongest layer. Keys inside modules.settings allowed. */
  overrides?: Record<string, string>;
}

export interface LoadedConfig {
  config: RaosConfig;
  /** For every dotted leaf key, the layer its value came from. */
  sources: Record<string, ConfigValueSource>;
  /** Config files that exist, in read order (raos.json, then raos.<environment>.json). */
  files: string[];
}

interface LayerValue {
  value: unknown;
  from: ConfigValueSource;
}

/**
 * Resolves the workspace configuration: overrides > env > raos.<environment>.json > raos.json > defaults.
 * A layer that sets a key replaces the value below it, except modules.settings, which merges by module
 * name (each module's entry is replaced whole). Every layer is validated on its own so a bad value is
 * reported with the file, variable or option it came from.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const root = resolve(opts.root);
  const env = opts.env ?? process.env;
  const { leaves } = keyTable();
  const files: string[] = [];

  // raos.json first: it may name the environment.
  const baseFile = join(root, CONFIG_FILE);
  const base = readJsonFile(baseFile);
  if (base) {
    checkFileContent({ file: baseFile, data: base, isEnvFile: false });
    files.push(baseFile);
  }

  // Overrides and environment variables, each checked where it came from.
  const overrideValues: { leaf: Leaf; subPath: string[]; value: unknown; key: string }[] = [];
  for (const [key, raw] of Object.entries(opts.overrides ?? {})) {
    const resolved = resolveKey(key);
    if (resolved.kind !== 'leaf') throw unknownOrGroupKey(key, resolved, '-c');
    const value = checkLeafValue({
      leaf: resolved.leaf,
      raw,
      origin: { kind: 'override', key },
      code: 'CONFIG_INVALID',
      subPath: resolved.subPath,
    });
    overrideValues.push({ leaf: resolved.leaf, subPath: resolved.subPath, value, key });
  }
  const envValues = new Map<string, LayerValue>();
  for (const leaf of leaves) {
    const name = leaf.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    const raw = env[name] as string;
    const value = checkLeafValue({ leaf, raw, origin: { kind: 'env', name }, code: 'CONFIG_INVALID' });
    envValues.set(leaf.key, { value, from: { source: 'env', detail: name } });
  }

  const environment = (overrideValues.findLast((o) => o.leaf.key === 'environment' && o.subPath.length === 0)?.value ??
    envValues.get('environment')?.value ??
    base?.environment ??
    'development') as RaosEnvironment;

  const envFileName = `raos.${environment}.json` as const;
  const envFile = join(root, envFileName);
  const envLayer = readJsonFile(envFile);
  if (envLayer) {
    checkFileContent({ file: envFile, data: envLayer, isEnvFile: true });
    files.push(envFile);
  }

  // Merge leaf by leaf, weakest first.
  const values = new Map<string, LayerValue>();
  const put = (leaf: Leaf, value: unknown, from: ConfigValueSource) => {
    if (value === undefined) return;
    const below = values.get(leaf.key)?.value;
    const merged = leaf.type === 'record' && isObject(below) && isObject(value) ? { ...below, ...value } : value;
    values.set(leaf.key, { value: merged, from });
  };
  for (const leaf of leaves) {
    const fallback = leaf.key === 'name' ? basename(root) || 'raos' : leaf.default;
    if (fallback !== undefined) values.set(leaf.key, { value: structuredClone(fallback), from: { source: 'default' } });
  }
  for (const leaf of leaves) put(leaf, getPath(base, leaf.path), { source: 'raos.json', detail: baseFile });
  for (const leaf of leaves) put(leaf, getPath(envLayer, leaf.path), { source: envFileName, detail: envFile });
  for (const [key, layer] of envValues) put(keyTable().byKey.get(key) as Leaf, layer.value, layer.from);
  for (const { leaf, subPath, value, key } of overrideValues) {
    const from: ConfigValueSource = { source: 'override', detail: `-c ${key}` };
    if (subPath.length === 0) {
      put(leaf, value, from);
    } else {
      const record = structuredClone(values.get(leaf.key)?.value ?? {}) as JsonObject;
      setPath(record, subPath, value);
      const check = leaf.schema.safeParse(record);
      if (!check.success) {
        const reason = formatIssues(check.error.issues, leaf.key);
        throw badValue({ code: 'CONFIG_INVALID', key, leaf, value, origin: { kind: 'override', key }, reason });
      }
      values.set(leaf.key, { value: record, from });
    }
  }

  const nested: JsonObject = {};
  const sources: Record<string, ConfigValueSource> = {};
  for (const leaf of leaves) {
    const layer = values.get(leaf.key);
    sources[leaf.key] = layer?.from ?? { source: 'default' };
    if (layer) setPath(nested, leaf.path, layer.value);
  }

  const result = configSchema.safeParse(nested);
  if (!result.success) {
    // Each layer passed on its own, so what is left are rules that span keys.
    const issue = result.error.issues[0];
    const key = issue.path.map(String).join('.');
    const related = key === 'storage.postgresUrl' ? sources['storage.driver'] : sources[key];
    const where = related?.detail ? ` (storage.driver set by ${related.detail})` : '';
    throw new RaosError('CONFIG_INVALID', `Invalid config: ${key} ${issue.message}${where}.`, {
      hint: `Set ${key} (or ${envVarName(key)}), or choose another storage.driver.`,
      details: { key },
    });
  }
  return { config: result.data, sources, files };
}

function unknownOrGroupKey(key: string, resolved: ResolvedKey, how: string): RaosError {
  if (resolved.kind === 'group') {
    const keys = resolved.children.join(', ');
    return new RaosError('INVALID_INPUT', `"${key}" is a group of keys, not one key; ${how} needs one of: ${keys}.`, {
      hint: '`raos config list` shows every key.',
      details: { key, keys: resolved.children },
    });
  }
  const { message, suggestion } = unknownKeyText(key);
  return new RaosError('INVALID_INPUT', message, {
    hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}\`raos config list\` shows every key.`,
    details: { key, ...(suggestion ? { suggestion } : {}) },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// get / set
// ---------------------------------------------------------------------------------------------------------------

/**
 * The value at a dotted key: a leaf (`server.port`), a group (`server`) or a path inside modules.settings
 * (`modules.settings.chat.maxRooms`, undefined when not set). Unknown keys throw NOT_FOUND.
 */
export function getConfigValue(config: RaosConfig, key: string): unknown {
  const resolved = resolveKey(key);
  if (resolved.kind === 'unknown') {
    const { message, suggestion } = unknownKeyText(key);
    throw new RaosError('NOT_FOUND', message, {
      hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}\`raos config list\` shows every key.`,
      details: { key, ...(suggestion ? { suggestion } : {}) },
    });
  }
  return getPath(config, key.split('.'));
}

export interface SetConfigValueOptions {
  root: string;
  /** A dotted leaf key, or a path inside modules.settings. */
  key: string;
  /** The value as typed on the command line; parsed by the key's type. */
  value: string;
  /** Write raos.<environment>.json (created when missing) instead of raos.json. */
  environment?: string;
}

/**
 * Writes one key into raos.json (or raos.<environment>.json). The value is parsed by the key's type, the
 * whole resulting file is validated, and only then is it written atomically; nothing is written on error.
 * Bad keys and values are INVALID_INPUT; a file that was already broken is CONFIG_INVALID.
 */
export function setConfigValue(opts: SetConfigValueOptions): { file: string; key: string; value: unknown } {
  const root = resolve(opts.root);
  const { key, environment } = opts;
  if (environment !== undefined && !(ENVIRONMENTS as readonly string[]).includes(environment)) {
    const allowed = ENVIRONMENTS.join(', ');
    throw new RaosError('INVALID_INPUT', `Unknown environment "${environment}"; allowed: one of: ${allowed}.`, {
      details: { field: 'environment', value: environment },
    });
  }
  const resolved = resolveKey(key);
  if (resolved.kind !== 'leaf') throw unknownOrGroupKey(key, resolved, 'config set');
  if (environment !== undefined && resolved.leaf.key === 'environment') {
    const message = `"environment" cannot be set in raos.${environment}.json: the environment selects that file.`;
    throw new RaosError('INVALID_INPUT', message, {
      hint: 'Set it in raos.json (omit the environment option), RAOS_ENV or -c environment=...',
      details: { key },
    });
  }
  const file = join(root, environment === undefined ? CONFIG_FILE : `raos.${environment}.json`);
  const value = checkLeafValue({
    leaf: resolved.leaf,
    raw: opts.value,
    origin: { kind: 'value' },
    code: 'INVALID_INPUT',
    subPath: resolved.subPath,
  });

  const current = readJsonFile(file) ?? {};
  const next = structuredClone(current);
  setPath(next, key.split('.'), value);
  checkFileContent({ file, data: next, isEnvFile: environment !== undefined, writingKey: key });
  writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
  return { file, key, value };
}

// ---------------------------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { w: 604800000, d: 86400000, h: 3600000, m: 60000, s: 1000, ms: 1 };
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's', 'ms'];

function durationMs(input: string): number | undefined {
  const text = input.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*/y;
  let total = 0;
  let lastUnit = -1;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (!match) return undefined;
    const order = UNIT_ORDER.indexOf(match[2]);
    // Largest unit first, each once: `1h30m`, not `30m1h` or `1m1m`, which are more likely typos.
    if (order <= lastUnit) return undefined;
    lastUnit = order;
    total += Number(match[1]) * UNIT_MS[match[2]];
    index = part.lastIndex;
  }
  if (index === 0) return undefined;
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * Parses a duration into milliseconds: `500ms`, `30s`, `10m`, `2h`, `1d`, `1w`, combinations from the
 * largest unit down (`1h30m`, `1d 12h`), decimals (`1.5h`), and a bare integer, which means seconds
 * (`600` = 10 minutes). Throws INVALID_INPUT naming `field` otherwise.
 */
export function parseDuration(value: string, field = 'duration'): number {
  const ms = typeof value === 'string' ? durationMs(value) : undefined;
  if (ms === undefined) {
    const message = `${field}: ${JSON.stringify(value)} is not a duration; expected ${DURATION_ALLOWED}.`;
    throw new RaosError('INVALID_INPUT', message, {
      details: { field, value },
    });
  }
  return ms;
}
