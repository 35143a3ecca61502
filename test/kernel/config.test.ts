import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configSchema,
  envVarName,
  getConfigValue,
  listConfigKeys,
  loadConfig,
  parseDuration,
  setConfigValue,
  suggestConfigKey,
  type RaosConfig,
} from '../../src/kernel/config.js';
import { RaosError } from '../../src/kernel/errors.js';
import { caught as thrown } from '../helpers.js';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'raos-config-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const write = (name: string, content: unknown) =>
  fs.writeFileSync(path.join(root, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));


describe('loadConfig precedence', () => {
  it('uses defaults, and the folder name for name, when there are no files', () => {
    const { config, sources, files } = loadConfig({ root, env: {} });
    expect(config.server).toEqual({ port: 7077, host: '127.0.0.1', publicHealth: true, clientTimeoutMs: 120000 });
    expect(config.name).toBe(path.basename(root));
    expect(config.environment).toBe('development');
    expect(config.storage).toEqual({ driver: 'sqljs', dataDir: 'data', lockTimeoutMs: 15000, checkpointBytes: 4194304 });
    expect(config.log.level).toBe('warn');
    expect(config.modules).toEqual({ dir: 'modules', disabled: [], initTimeoutMs: 10000, settings: {} });
    expect(config.memory).toEqual({ maxKeyLength: 256, maxValueBytes: 1048576 });
    expect(sources['server.port']).toEqual({ source: 'default' });
    expect(sources['memory.defaultTtl']).toEqual({ source: 'default' });
    expect(files).toEqual([]);
  });

  it('layers override > env > raos.<env>.json > raos.json > default and reports each source', () => {
    write('raos.json', {
      environment: 'production',
      server: { port: 1001, host: 'base-host' },
      storage: { lockTimeoutMs: 1 },
      log: { level: 'info' },
      memory: { maxKeyLength: 10 },
    });
    write('raos.production.json', { server: { port: 1002, host: 'prod-host' }, storage: { lockTimeoutMs: 2 }, log: { level: 'error' } });
    const { config, sources, files } = loadConfig({
      root,
      env: { RAOS_SERVER_PORT: '1003', RAOS_LOG_LEVEL: 'debug' },
      overrides: { 'server.port': '1004' },
    });
    expect(files).toEqual([path.join(root, 'raos.json'), path.join(root, 'raos.production.json')]);

    expect(config.server.port).toBe(1004);
    expect(sources['server.port']).toEqual({ source: 'override', detail: '-c server.port' });
    expect(config.log.level).toBe('debug');
    expect(sources['log.level']).toEqual({ source: 'env', detail: 'RAOS_LOG_LEVEL' });
    expect(config.server.host).toBe('prod-host');
    expect(sources['server.host']).toEqual({ source: 'raos.production.json', detail: path.join(root, 'raos.production.json') });
    expect(config.storage.lockTimeoutMs).toBe(2);
    expect(config.memory.maxKeyLength).toBe(10);
    expect(sources['memory.maxKeyLength']).toEqual({ source: 'raos.json', detail: path.join(root, 'raos.json') });
    expect(config.memory.maxValueBytes).toBe(1048576);
    expect(sources['memory.maxValueBytes']).toEqual({ source: 'default' });
    expect(config.environment).toBe('production');
    expect(sources.environment.source).toBe('raos.json');
  });

  it('picks the environment file from the override, then RAOS_ENV, then raos.json', () => {
    write('raos.json', { environment: 'staging' });
    write('raos.staging.json', { server: { port: 2001 } });
    write('raos.test.json', { server: { port: 2002 } });
    write('raos.production.json', { server: { port: 2003 } });
    expect(loadConfig({ root, env: {} }).config.server.port).toBe(2001);
    expect(loadConfig({ root, env: { RAOS_ENV: 'test' } }).config.server.port).toBe(2002);
    const overridden = loadConfig({ root, env: { RAOS_ENV: 'test' }, overrides: { environment: 'production' } });
    expect(overridden.config.server.port).toBe(2003);
    expect(overridden.config.environment).toBe('production');
  });

  it("accepts the seed's RACORE_PORT and CMS_ENVIRONMENT (capitalised, as ASP.NET writes it)", () => {
    write('raos.production.json', { log: { level: 'error' } });
    const { config, sources } = loadConfig({ root, env: { RACORE_PORT: '8080', CMS_ENVIRONMENT: 'Production' } });
    expect(config.server.port).toBe(8080);
    expect(sources['server.port']).toEqual({ source: 'env', detail: 'RACORE_PORT' });
    expect(config.environment).toBe('production');
    expect(sources.environment).toEqual({ source: 'env', detail: 'CMS_ENVIRONMENT' });
    expect(config.log.level).toBe('error');
  });

  it('prefers the generic name, then RAOS_ aliases, then the seed names', () => {
    const env = { RAOS_SERVER_PORT: '1', RAOS_PORT: '2', RACORE_PORT: '3' };
    expect(loadConfig({ root, env }).config.server.port).toBe(1);
    expect(loadConfig({ root, env: { RAOS_PORT: '2', RACORE_PORT: '3' } }).config.server.port).toBe(2);
    expect(loadConfig({ root, env: { RAOS_ENV: 'test', CMS_ENVIRONMENT: 'staging' } }).config.environment).toBe('test');
    expect(loadConfig({ root, env: { RAOS_HOST: '0.0.0.0' } }).config.server.host).toBe('0.0.0.0');
  });

  it('coerces env strings by type: booleans, lists, JSON records; empty means unset', () => {
    const { config } = loadConfig({
      root,
      env: {
        RAOS_SERVER_PUBLIC_HEALTH: '0',
        RAOS_MODULES_DISABLED: 'chat, blog,',
        RAOS_MODULES_SETTINGS: '{"chat":{"maxRooms":3}}',
        RAOS_MEMORY_DEFAULT_TTL: '10m',
        RAOS_STORAGE_DATA_DIR: '',
      },
    });
    expect(config.server.publicHealth).toBe(false);
    expect(config.modules.disabled).toEqual(['chat', 'blog']);
    expect(config.modules.settings).toEqual({ chat: { maxRooms: 3 } });
    expect(config.memory.defaultTtl).toBe('10m');
    expect(config.storage.dataDir).toBe('data');
  });

  it('merges modules.settings by module name across layers and accepts -c paths inside it', () => {
    write('raos.json', { modules: { settings: { chat: { maxRooms: 1 }, blog: { perPage: 5 } } } });
    write('raos.development.json', { modules: { settings: { chat: { maxRooms: 2 } } } });
    const { config } = loadConfig({ root, env: {}, overrides: { 'modules.settings.blog.perPage': '20' } });
    expect(config.modules.settings).toEqual({ chat: { maxRooms: 2 }, blog: { perPage: 20 } });
  });

  it('returns a value the full schema accepts', () => {
    const { config } = loadConfig({ root, env: {} });
    const typed: RaosConfig = configSchema.parse(config);
    expect(typed).toEqual(config);
  });
});

describe('loadConfig errors', () => {
  it('names the key, file, value and allowed values for a bad enum', () => {
    write('raos.json', { storage: { driver: 'mysql' } });
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      `Invalid value for storage.driver in ${path.join(root, 'raos.json')}: "mysql". Allowed: one of: sqljs, postgres.`,
    );
    expect(err.details).toMatchObject({ key: 'storage.driver', file: path.join(root, 'raos.json'), value: 'mysql' });
  });

  it('names the range for a number out of range in an environment file', () => {
    write('raos.development.json', { memory: { maxKeyLength: 5000 } });
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('memory.maxKeyLength');
    expect(err.message).toContain(path.join(root, 'raos.development.json'));
    expect(err.message).toContain('5000');
    expect(err.message).toContain('an integer from 1 to 1024');
  });

  it('names the environment variable for a bad env value', () => {
    const err = thrown(() => loadConfig({ root, env: { RACORE_PORT: '99999' } }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      'Invalid value for server.port from environment variable RACORE_PORT: 99999. Allowed: an integer from 0 to 65535.',
    );
    const notNumber = thrown(() => loadConfig({ root, env: { RAOS_STORAGE_LOCK_TIMEOUT_MS: 'soon' } }));
    expect(notNumber.message).toContain('RAOS_STORAGE_LOCK_TIMEOUT_MS');
    expect(notNumber.message).toContain('"soon"');
  });

  it('names the -c option for a bad override, and rejects unknown override keys with a suggestion', () => {
    const bad = thrown(() => loadConfig({ root, env: {}, overrides: { 'log.level': 'loud' } }));
    expect(bad.code).toBe('CONFIG_INVALID');
    expect(bad.message).toBe(
      'Invalid value for log.level from -c log.level: "loud". Allowed: one of: debug, info, warn, error, silent.',
    );
    const unknown = thrown(() => loadConfig({ root, env: {}, overrides: { 'log.levle': 'info' } }));
    expect(unknown.code).toBe('INVALID_INPUT');
    expect(unknown.message).toBe('Unknown config key "log.levle". Did you mean "log.level"?');
  });

  it('names the file and the position of a JSON syntax error', () => {
    write('raos.json', '{\n  "server": { "port": 1, }\n}\n');
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(path.join(root, 'raos.json'));
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message).toMatch(/position \d+|line 2/);
  });

  it('rejects a file that is not an object', () => {
    write('raos.json', '[1, 2]');
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('must contain a JSON object');
  });

  it('names an unknown key and its file, with a suggestion', () => {
    write('raos.json', { server: { prot: 8080 } });
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(`Unknown config key "server.prot" in ${path.join(root, 'raos.json')}. Did you mean "server.port"?`);
    expect(err.details).toMatchObject({ key: 'server.prot', suggestion: 'server.port' });

    write('raos.json', { zebra: true });
    const far = thrown(() => loadConfig({ root, env: {} }));
    expect(far.message).toBe(`Unknown config key "zebra" in ${path.join(root, 'raos.json')}.`);
  });

  it('refuses "environment" inside an environment file', () => {
    write('raos.development.json', { environment: 'production' });
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('raos.development.json');
  });

  it('requires storage.postgresUrl when the driver is postgres, whichever layer sets them', () => {
    const err = thrown(() => loadConfig({ root, env: { RAOS_STORAGE_DRIVER: 'postgres' } }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('storage.postgresUrl');
    expect(err.message).toContain('RAOS_STORAGE_DRIVER');
    const ok = loadConfig({
      root,
      env: { RAOS_STORAGE_DRIVER: 'postgres', RAOS_STORAGE_POSTGRES_URL: 'postgres://u:p@db/raos' },
    });
    expect(ok.config.storage.postgresUrl).toBe('postgres://u:p@db/raos');
  });

  it('masks secret values in messages', () => {
    const err = thrown(() => loadConfig({ root, env: { RAOS_STORAGE_POSTGRES_URL: 'mysql://u:secret@db' } }));
    expect(err.message).not.toContain('secret');
    expect(err.message).toContain('RAOS_STORAGE_POSTGRES_URL');
  });
});

describe('keys', () => {
  it('derives env names from the schema', () => {
    expect(envVarName('storage.lockTimeoutMs')).toBe('RAOS_STORAGE_LOCK_TIMEOUT_MS');
    expect(envVarName('log.level')).toBe('RAOS_LOG_LEVEL');
    expect(envVarName('server.publicHealth')).toBe('RAOS_SERVER_PUBLIC_HEALTH');
  });

  it('lists every leaf with type, default and env vars', () => {
    const keys = listConfigKeys();
    expect(keys.map((k) => k.key)).toEqual([
      'name',
      'environment',
      'server.port',
      'server.host',
      'server.publicHealth',
      'server.clientTimeoutMs',
      'storage.driver',
      'storage.dataDir',
      'storage.lockTimeoutMs',
      'storage.checkpointBytes',
      'storage.postgresUrl',
      'log.level',
      'modules.dir',
      'modules.disabled',
      'modules.initTimeoutMs',
      'modules.settings',
      'memory.maxKeyLength',
      'memory.maxValueBytes',
      'memory.defaultTtl',
      'auth.sessionTtl',
      'auth.passwordIterations',
      'auth.maxLoginAttempts',
      'auth.lockTime',
      'game.tickHz',
      'game.persistMs',
      'game.provider',
      'game.openai.baseUrl',
      'game.openai.model',
      'game.openai.apiKey',
      'game.openai.timeoutMs',
      'cms.plugins.hookTimeoutMs',
      'cms.plugins.memoryMb',
      'cms.plugins.maxFailures',
      'cms.media.maxBytes',
      'cms.site.title',
      'cms.site.description',
      'cms.site.url',
      'cms.site.outDir',
      'cms.site.postsPerPage',
      'rateLimits.enabled',
      'rateLimits.exemptOwner',
      'rateLimits.default.perMinute',
      'rateLimits.default.perHour',
      'rateLimits.cms.perMinute',
      'rateLimits.cms.perHour',
      'rateLimits.game.perMinute',
      'rateLimits.game.perHour',
      'rateLimits.client.perMinute',
      'rateLimits.client.perHour',
      'rateLimits.auth.perMinute',
      'rateLimits.auth.perHour',
      'rateLimits.live.perMinute',
      'rateLimits.live.perHour',
    ]);
    expect(keys.find((k) => k.key === 'game.openai.apiKey')?.secret).toBe(true);
    // The seed's limits are the defaults: CMS 60/min and 1000/h, game 120/min, client builder 30/min.
    const byKey = new Map(keys.map((k) => [k.key, k.default]));
    expect([byKey.get('rateLimits.cms.perMinute'), byKey.get('rateLimits.cms.perHour')]).toEqual([60, 1000]);
    expect(byKey.get('rateLimits.game.perMinute')).toBe(120);
    expect(byKey.get('rateLimits.client.perMinute')).toBe(30);
    expect(byKey.get('auth.passwordIterations')).toBe(600000);
    const port = keys.find((k) => k.key === 'server.port');
    expect(port).toMatchObject({
      type: 'integer',
      default: 7077,
      allowed: 'an integer from 0 to 65535',
      env: ['RAOS_SERVER_PORT', 'RAOS_PORT', 'RACORE_PORT'],
    });
    expect(keys.find((k) => k.key === 'environment')?.env).toEqual(['RAOS_ENVIRONMENT', 'RAOS_ENV', 'CMS_ENVIRONMENT']);
    expect(keys.find((k) => k.key === 'memory.defaultTtl')).toMatchObject({ type: 'duration', defaultLabel: '(unset)' });
    expect(keys.find((k) => k.key === 'storage.postgresUrl')?.secret).toBe(true);
    for (const key of keys) expect(key.description).not.toBe('');
  });

  it('gets leaves, groups and module settings; unknown keys are NOT_FOUND with a hint', () => {
    write('raos.json', { modules: { settings: { chat: { maxRooms: 4 } } } });
    const { config } = loadConfig({ root, env: {} });
    expect(getConfigValue(config, 'server.port')).toBe(7077);
    expect(getConfigValue(config, 'server')).toEqual({ port: 7077, host: '127.0.0.1', publicHealth: true, clientTimeoutMs: 120000 });
    expect(getConfigValue(config, 'modules.settings.chat.maxRooms')).toBe(4);
    expect(getConfigValue(config, 'memory.defaultTtl')).toBeUndefined();
    const err = thrown(() => getConfigValue(config, 'server.prot'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('Unknown config key "server.prot". Did you mean "server.port"?');
    expect(err.hint).toContain('raos config list');
  });

  it('suggests close keys', () => {
    expect(suggestConfigKey('storage.lock_timeout_ms')).toBe('storage.lockTimeoutMs');
    expect(suggestConfigKey('port')).toBe('server.port');
    expect(suggestConfigKey('completely.unrelated')).toBeUndefined();
  });
});

describe('setConfigValue', () => {
  it('writes a typed value into raos.json, keeping other keys', () => {
    write('raos.json', { name: 'site', environment: 'development' });
    const result = setConfigValue({ root, key: 'server.port', value: '8080' });
    expect(result).toEqual({ file: path.join(root, 'raos.json'), key: 'server.port', value: 8080 });
    expect(JSON.parse(fs.readFileSync(path.join(root, 'raos.json'), 'utf8'))).toEqual({
      name: 'site',
      environment: 'development',
      server: { port: 8080 },
    });
    setConfigValue({ root, key: 'modules.disabled', value: 'chat,blog' });
    setConfigValue({ root, key: 'server.publicHealth', value: 'false' });
    const { config } = loadConfig({ root, env: {} });
    expect(config.modules.disabled).toEqual(['chat', 'blog']);
    expect(config.server.publicHealth).toBe(false);
    expect(fs.readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('creates raos.<environment>.json when asked', () => {
    write('raos.json', {});
    const result = setConfigValue({ root, key: 'log.level', value: 'ERROR', environment: 'production' });
    expect(result.file).toBe(path.join(root, 'raos.production.json'));
    expect(result.value).toBe('error');
    expect(loadConfig({ root, env: { RAOS_ENV: 'production' } }).config.log.level).toBe('error');
    expect(thrown(() => setConfigValue({ root, key: 'environment', value: 'test', environment: 'production' })).code).toBe(
      'INVALID_INPUT',
    );
    expect(thrown(() => setConfigValue({ root, key: 'log.level', value: 'info', environment: 'qa' })).code).toBe(
      'INVALID_INPUT',
    );
  });

  it('leaves the file untouched when the value is invalid', () => {
    const original = '{\n    "server": { "host": "example" }\n}\n';
    write('raos.json', original);
    const before = fs.statSync(path.join(root, 'raos.json')).mtimeMs;
    const err = thrown(() => setConfigValue({ root, key: 'server.port', value: '70000' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('server.port');
    expect(err.message).toContain('70000');
    expect(err.message).toContain('an integer from 0 to 65535');
    expect(thrown(() => setConfigValue({ root, key: 'storage.driver', value: 'mysql' })).message).toContain(
      'one of: sqljs, postgres',
    );
    expect(thrown(() => setConfigValue({ root, key: 'modules.settings.chat', value: '5' })).code).toBe('INVALID_INPUT');
    expect(fs.readFileSync(path.join(root, 'raos.json'), 'utf8')).toBe(original);
    expect(fs.statSync(path.join(root, 'raos.json')).mtimeMs).toBe(before);
    expect(fs.readdirSync(root)).toEqual(['raos.json']);
  });

  it('rejects unknown keys and groups with INVALID_INPUT and a suggestion', () => {
    write('raos.json', {});
    const err = thrown(() => setConfigValue({ root, key: 'server.prot', value: '1' }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('Unknown config key "server.prot". Did you mean "server.port"?');
    const group = thrown(() => setConfigValue({ root, key: 'server', value: '1' }));
    expect(group.code).toBe('INVALID_INPUT');
    expect(group.message).toContain('server.port');
  });

  it('refuses to write over a file that is already invalid, naming the problem', () => {
    const original = JSON.stringify({ server: { prot: 1 } });
    write('raos.json', original);
    const err = thrown(() => setConfigValue({ root, key: 'log.level', value: 'info' }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('server.prot');
    expect(fs.readFileSync(path.join(root, 'raos.json'), 'utf8')).toBe(original);
  });

  it('writes paths inside modules.settings as JSON, or strings when not JSON', () => {
    write('raos.json', {});
    setConfigValue({ root, key: 'modules.settings.chat.maxRooms', value: '12' });
    setConfigValue({ root, key: 'modules.settings.chat.motd', value: 'hello' });
    expect(loadConfig({ root, env: {} }).config.modules.settings).toEqual({ chat: { maxRooms: 12, motd: 'hello' } });
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30000],
    ['10m', 600000],
    ['2h', 7200000],
    ['1d', 86400000],
    ['1w', 604800000],
    ['1h30m', 5400000],
    ['1d 12h', 129600000],
    ['1m30s250ms', 90250],
    ['1.5h', 5400000],
    ['600', 600000],
    ['0', 0],
  ])('%s → %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['x', '10x', '-5m', '30m1h', '1m1m', 'm', '1.5', '10 minutes'])(
    'rejects %j naming the field',
    (input) => {
      const err = thrown(() => parseDuration(input, 'memory.defaultTtl'));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain('memory.defaultTtl');
      expect(err.message).toContain(JSON.stringify(input));
    },
  );

  it('rejects an empty string', () => {
    expect(thrown(() => parseDuration('', 'ttl')).message).toContain('ttl');
  });

  it('validates memory.defaultTtl in files', () => {
    write('raos.json', { memory: { defaultTtl: 'soon' } });
    const err = thrown(() => loadConfig({ root, env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('memory.defaultTtl');
    expect(err.message).toContain('a duration such as');
  });
});
