/**
 * The CLI as a user meets it: help, version, init, workspace discovery, the memory commands, --json,
 * input validation, expiry and configuration. Every test spawns the built CLI (bin/run.js → dist/).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, memoryMap, raos, REPO, show, sleep, spawnRaos, tempDir, workspace, type Workspace } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(() => cleanup());

const version = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;

describe('help and version', () => {
  it('root --help lists the topics and shows examples', async () => {
    const r = await raos(['--help']);
    expect(r.code, show(['--help'], r)).toBe(0);
    expect(r.stdout).toMatch(/USAGE/);
    for (const topic of ['memory', 'config', 'db', 'module', 'init']) expect(r.stdout).toContain(topic);
    // A first-time user should see how to start: example command lines (`$ raos init ...`, `$ raos memory set ...`).
    expect(r.stdout, 'root --help shows no example command lines').toMatch(/\$ raos init\b/);
    expect(r.stdout, 'root --help shows no example command lines').toMatch(/\$ raos memory set\b/);
  });

  it('memory set --help shows its examples, arguments and flags', async () => {
    const r = await raos(['memory', 'set', '--help']);
    expect(r.code, show(['memory', 'set', '--help'], r)).toBe(0);
    expect(r.stdout).toMatch(/EXAMPLES/);
    expect(r.stdout).toContain('raos memory set greeting hello');
    expect(r.stdout).toContain('--ttl');
    expect(r.stdout).toContain('--if-absent');
    expect(r.stdout).toContain('--json');
    expect(r.stdout).toContain('--workspace');
  });

  it('--version prints raos/<version>', async () => {
    const r = await raos(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^raos/${version.replace(/\./g, '\\.')}(\\s|$)`));
  });
});

describe('init and finding the workspace', () => {
  it('init makes raos.json, data/ and modules/; a second init exits 0 and changes nothing', async () => {
    const root = path.join(tempDir(), 'world');
    const first = await raos(['init', root, '--json']);
    expect(first.code, show(['init', root], first)).toBe(0);
    expect(first.json()).toMatchObject({ root, created: true });
    expect(statSync(path.join(root, 'raos.json')).isFile()).toBe(true);
    expect(statSync(path.join(root, 'data')).isDirectory()).toBe(true);
    expect(statSync(path.join(root, 'modules')).isDirectory()).toBe(true);
    const config = JSON.parse(readFileSync(path.join(root, 'raos.json'), 'utf8'));
    expect(config).toMatchObject({ name: 'world' });

    const snapshot = () => {
      const file = path.join(root, 'raos.json');
      return {
        listing: readdirSync(root).sort(),
        bytes: readFileSync(file).toString('base64'),
        mtime: statSync(file).mtimeMs,
        ino: statSync(file).ino,
      };
    };
    const before = snapshot();
    await sleep(20);
    const second = await raos(['init', root, '--json']);
    expect(second.code, show(['init', root], second)).toBe(0);
    expect(second.json()).toMatchObject({ root, created: false, files: [] });
    expect(snapshot()).toEqual(before);

    // Without --json: a sentence, exit 0.
    const human = await raos(['init'], { cwd: root });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/already a workspace/);
    expect(snapshot()).toEqual(before);
  });

  it('init without DIR makes the current folder a workspace', async () => {
    const dir = tempDir();
    const r = await raos(['init', '--json'], { cwd: dir });
    expect(r.code, show(['init'], r)).toBe(0);
    expect(r.json()).toMatchObject({ root: dir, created: true });
    expect(statSync(path.join(dir, 'raos.json')).isFile()).toBe(true);
  });

  it('a command outside any workspace fails with WORKSPACE_NOT_FOUND (exit 10) and a hint to run raos init', async () => {
    const home = tempDir();
    const cwd = path.join(home, 'somewhere');
    mkdirSync(cwd);
    const env = { HOME: home, XDG_DATA_HOME: path.join(home, 'xdg'), RAOS_HOME: undefined };
    const json = await raos(['memory', 'get', 'x', '--json'], { cwd, env });
    expect(json.code, show(['memory', 'get', 'x', '--json'], json)).toBe(10);
    const error = json.json().error;
    expect(error.code).toBe('WORKSPACE_NOT_FOUND');
    expect(error.hint).toContain('raos init');
    expect(json.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace

    const human = await raos(['memory', 'set', 'x', '1'], { cwd, env });
    expect(human.code).toBe(10);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('WORKSPACE_NOT_FOUND');
    expect(human.stderr).toContain('raos init');
    // Nothing was created on the way.
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('RAOS_HOME or --workspace naming a folder without raos.json is WORKSPACE_NOT_FOUND, not a silent fallback', async () => {
    const empty = tempDir();
    const viaEnv = await raos(['memory', 'list', '--json'], { env: { RAOS_HOME: empty } });
    expect(viaEnv.code).toBe(10);
    expect(viaEnv.json().error.code).toBe('WORKSPACE_NOT_FOUND');
    const viaFlag = await raos(['memory', 'list', '--workspace', empty, '--json']);
    expect(viaFlag.code).toBe(10);
    expect(viaFlag.json().error.message).toContain(empty);
  });
});

describe('memory', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
  });

  it('set then get: JSON values keep their type, other text is a string, --string keeps text', async () => {
    const cases: [string[], unknown][] = [
      [['num', '42'], 42],
      [['obj', '{"a":1}'], { a: 1 }],
      [['txt', 'hello'], 'hello'],
      [['str42', '42', '--string'], '42'],
      [['bool', 'true'], true],
      [['quoted', '"quoted"'], 'quoted'],
    ];
    const sets = await Promise.all(cases.map(([args]) => ws.ok(['memory', 'set', ...args])));
    cases.forEach(([args, value], i) => {
      expect(sets[i]).toMatchObject({ key: args[0], value, namespace: 'default', scope: 'global', created: true });
    });
    const gets = await Promise.all(cases.map(([args]) => ws.ok(['memory', 'get', args[0]])));
    cases.forEach(([args, value], i) => {
      expect(gets[i].value, `memory get ${args[0]}`).toEqual(value);
      expect(gets[i]).toMatchObject({ key: args[0], namespace: 'default', scope: 'global', expiresAt: null });
    });
    // Human mode: text as is, anything else as JSON.
    const [txt, obj, num] = await Promise.all(['txt', 'obj', 'num'].map((k) => ws.raos(['memory', 'get', k])));
    expect(txt.stdout).toBe('hello\n');
    expect(JSON.parse(obj.stdout)).toEqual({ a: 1 });
    expect(num.stdout.trim()).toBe('42');
    // Replacing reports created: false and keeps createdAt.
    const first = await ws.ok(['memory', 'get', 'num']);
    const again = await ws.ok(['memory', 'set', 'num', '43']);
    expect(again).toMatchObject({ value: 43, created: false, createdAt: first.createdAt });
  });

  it('reads the value from stdin with -', async () => {
    await ws.ok(['memory', 'set', 'from-stdin', '-'], { input: '{"hp":10,"tags":["a","b"]}\n' });
    expect((await ws.ok(['memory', 'get', 'from-stdin'])).value).toEqual({ hp: 10, tags: ['a', 'b'] });
    await ws.ok(['memory', 'set', 'stdin-text', '-'], { input: 'two words\n' });
    expect((await ws.ok(['memory', 'get', 'stdin-text'])).value).toBe('two words');
  });

  it('list filters by --prefix and by --pattern globs', async () => {
    await Promise.all(
      ['player:1:inventory', 'player:2:inventory', 'player:2:stats', 'playground', 'npc:1'].map((k) =>
        ws.ok(['memory', 'set', k, '1', '--namespace', 'game']),
      ),
    );
    const keys = async (...flags: string[]) =>
      (await ws.ok<{ items: { key: string }[] }>(['memory', 'list', '--namespace', 'game', ...flags])).items.map((i) => i.key);
    const [byPrefix, byShortPrefix, inventories, stats, set1, anywhere, none] = await Promise.all([
      keys('--prefix', 'player:'),
      keys('--prefix', 'play'),
      keys('--pattern', 'player:*:inventory'),
      keys('--pattern', 'player:?:stats'),
      keys('--pattern', 'player:[1]:*'),
      keys('--pattern', '*:1*'),
      keys('--pattern', 'nothing*'),
    ]);
    expect(byPrefix).toEqual(['player:1:inventory', 'player:2:inventory', 'player:2:stats']);
    expect(byShortPrefix).toEqual(['player:1:inventory', 'player:2:inventory', 'player:2:stats', 'playground']);
    expect(inventories).toEqual(['player:1:inventory', 'player:2:inventory']);
    expect(stats).toEqual(['player:2:stats']);
    expect(set1).toEqual(['player:1:inventory']);
    expect(anywhere).toEqual(['npc:1', 'player:1:inventory']);
    expect(none).toEqual([]);
    // --prefix and --pattern together are refused.
    await ws.fails(['memory', 'list', '--prefix', 'a', '--pattern', 'a*'], 'INVALID_INPUT', 2);
  });

  it('namespaces and scopes are isolated from each other', async () => {
    await Promise.all([
      ws.ok(['memory', 'set', 'iso', 'default-global']),
      ws.ok(['memory', 'set', 'iso', 'ns-a', '--namespace', 'a']),
      ws.ok(['memory', 'set', 'iso', 'user-1', '--scope', 'user:1']),
      ws.ok(['memory', 'set', 'iso', 'sess', '--scope', 'session:s1', '--namespace', 'a']),
    ]);
    const found = await Promise.all([
      ws.ok(['memory', 'get', 'iso']),
      ws.ok(['memory', 'get', 'iso', '--namespace', 'a']),
      ws.ok(['memory', 'get', 'iso', '--scope', 'user:1']),
      ws.ok(['memory', 'get', 'iso', '-n', 'a', '-s', 'session:s1']),
    ]);
    expect(found.map((e) => e.value)).toEqual(['default-global', 'ns-a', 'user-1', 'sess']);
    await Promise.all([
      ws.fails(['memory', 'get', 'iso', '--scope', 'user:2'], 'NOT_FOUND', 3),
      ws.fails(['memory', 'get', 'iso', '--namespace', 'b'], 'NOT_FOUND', 3),
      ws.fails(['memory', 'get', 'iso', '--namespace', 'a', '--scope', 'user:1'], 'NOT_FOUND', 3),
    ]);

    const inA = await ws.ok<{ items: { key: string; scope: string; value: unknown }[] }>(['memory', 'list', '--namespace', 'a', '--prefix', 'iso']);
    expect(inA.items.map((i) => [i.scope, i.value])).toEqual([
      ['global', 'ns-a'],
      ['session:s1', 'sess'],
    ]);
    const user1 = await ws.ok<{ items: { key: string; namespace: string; value: unknown }[] }>(['memory', 'list', '--scope', 'user:1']);
    expect(user1.items.map((i) => [i.namespace, i.key, i.value])).toEqual([['default', 'iso', 'user-1']]);

    // Deleting in one place leaves the others.
    await ws.ok(['memory', 'delete', 'iso', '--namespace', 'a']);
    expect((await ws.ok(['memory', 'get', 'iso'])).value).toBe('default-global');
    expect((await ws.ok(['memory', 'get', 'iso', '-n', 'a', '-s', 'session:s1'])).value).toBe('sess');
  });

  it('delete then get is NOT_FOUND (exit 3); deleting a missing key is NOT_FOUND unless --force', async () => {
    await ws.ok(['memory', 'set', 'doomed', 'x']);
    const del = await ws.ok(['memory', 'delete', 'doomed']);
    expect(del).toMatchObject({ key: 'doomed', deleted: true });
    const error = await ws.fails(['memory', 'get', 'doomed'], 'NOT_FOUND', 3);
    expect(error.message).toContain('doomed');
    await ws.fails(['memory', 'delete', 'doomed'], 'NOT_FOUND', 3);
    const forced = await ws.ok(['memory', 'delete', 'doomed', '--force']);
    expect(forced).toMatchObject({ key: 'doomed', deleted: false });
    // Human mode: the error and its hint go to stderr, nothing to stdout.
    const human = await ws.raos(['memory', 'get', 'doomed']);
    expect(human.code).toBe(3);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/NOT_FOUND/);
    expect(human.stderr).toMatch(/Hint:/);
  });

  it('--if-absent on an existing key is CONFLICT (exit 4) and keeps the old value', async () => {
    await ws.ok(['memory', 'set', 'once', 'first', '--if-absent']);
    const error = await ws.fails(['memory', 'set', 'once', 'second', '--if-absent'], 'CONFLICT', 4);
    expect(error.message).toContain('once');
    expect((await ws.ok(['memory', 'get', 'once'])).value).toBe('first');
  });

  it('an expired key (--ttl 1s) is gone from get and list', async () => {
    // A key that outlives the test proves a TTL'd key is readable even when the machine is too slow
    // to read the 1 s key before it expires.
    const long = await ws.ok(['memory', 'set', 'ttl-long', 'stays', '--ttl', '10m']);
    expect(Date.parse(long.expiresAt) - Date.parse(long.updatedAt)).toBe(600_000);
    const set = await ws.ok(['memory', 'set', 'ttl-key', 'soon', '--ttl', '1s']);
    expect(set.expiresAt).toBeTruthy();
    const expiresAt = Date.parse(set.expiresAt);
    expect(expiresAt - Date.parse(set.updatedAt)).toBe(1000);
    const [got, listed] = await Promise.all([ws.raos(['memory', 'get', 'ttl-key', '--json']), memoryMap(ws, ['--prefix', 'ttl-'])]);
    if (Date.now() < expiresAt) {
      // Both reads finished before the key expired: both must have seen it.
      expect(got.code, show(['memory', 'get', 'ttl-key'], got)).toBe(0);
      expect(got.json().value).toBe('soon');
      expect(listed['default/global/ttl-key']).toBe('soon');
    }
    expect(listed['default/global/ttl-long']).toBe('stays');
    expect((await ws.ok(['memory', 'get', 'ttl-long'])).value).toBe('stays');
    await sleep(Math.max(0, expiresAt + 500 - Date.now()));
    await ws.fails(['memory', 'get', 'ttl-key'], 'NOT_FOUND', 3);
    expect(await memoryMap(ws, ['--prefix', 'ttl-'])).toEqual({ 'default/global/ttl-long': 'stays' });
    // And it can be set again as new.
    expect(await ws.ok(['memory', 'set', 'ttl-key', 'again', '--if-absent'])).toMatchObject({ created: true });
  });
});

describe('bad input is INVALID_INPUT (exit 2), names the field, and stores nothing', () => {
  let ws: Workspace;
  let before: Record<string, unknown>;
  beforeAll(async () => {
    ws = await workspace();
    await ws.ok(['memory', 'set', 'keep', '{"safe":true}']);
    before = await memoryMap(ws);
  });

  const long = 'k'.repeat(257);
  const cases: { name: string; args: string[]; field: RegExp }[] = [
    { name: 'a key with spaces', args: ['memory', 'set', 'has space', 'v'], field: /key/ },
    { name: 'a key with *', args: ['memory', 'set', 'a*b', 'v'], field: /key/ },
    { name: 'an empty key', args: ['memory', 'set', '', 'v'], field: /key/ },
    { name: 'a key longer than memory.maxKeyLength', args: ['memory', 'set', long, 'v'], field: /key.*256/ },
    { name: 'a value larger than memory.maxValueBytes (-c)', args: ['memory', 'set', 'big', 'x'.repeat(200), '-c', 'memory.maxValueBytes=100'], field: /value.*100/ },
    { name: 'a bad --scope', args: ['memory', 'set', 'k1', 'v', '--scope', 'admin'], field: /scope/ },
    { name: 'a bad --namespace', args: ['memory', 'set', 'k1', 'v', '--namespace', 'Bad NS'], field: /namespace/ },
    { name: 'a bad --ttl', args: ['memory', 'set', 'k1', 'v', '--ttl', '10x'], field: /ttl/ },
    // The user typed --ttl: the message must name ttl, not an internal field such as ttlMs.
    { name: 'a zero --ttl', args: ['memory', 'set', 'k1', 'v', '--ttl', '0'], field: /\bttl\b/ },
    { name: 'a --ttl over the maximum', args: ['memory', 'set', 'k1', 'v', '--ttl', '4000w'], field: /\bttl\b/ },
    { name: 'a missing argument', args: ['memory', 'set', 'k1'], field: /value/i },
    { name: 'an unknown flag', args: ['memory', 'set', 'k1', 'v', '--bogus'], field: /--bogus/ },
    { name: 'a bad --pattern', args: ['memory', 'list', '--pattern', 'a[b'], field: /pattern/ },
    { name: 'a key longer than maxKeyLength on get', args: ['memory', 'get', long], field: /key/ },
    { name: 'a malformed -c', args: ['memory', 'set', 'k1', 'v', '-c', 'nokeyvalue'], field: /--config|KEY=VALUE/ },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const error = await ws.fails(c.args, 'INVALID_INPUT', 2);
      expect(error.message).toMatch(c.field);
      expect(await memoryMap(ws)).toEqual(before);
    });
  }

  it('a value over memory.maxValueBytes set with `config set` is refused too; one under it is stored', async () => {
    const own = await workspace();
    await own.ok(['config', 'set', 'memory.maxValueBytes', '100']);
    const error = await own.fails(['memory', 'set', 'big', 'y'.repeat(150)], 'INVALID_INPUT', 2);
    expect(error.message).toMatch(/value/);
    expect(await memoryMap(own)).toEqual({});
    await own.ok(['memory', 'set', 'small', 'y'.repeat(50)]);
    expect(Object.keys(await memoryMap(own))).toEqual(['default/global/small']);
  });

  it('human mode prints the error and hint on stderr and nothing on stdout', async () => {
    const r = await ws.raos(['memory', 'set', 'has space', 'v']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/INVALID_INPUT/);
    expect(r.stderr).toMatch(/key/);
  });
});

describe('--json prints exactly one JSON value on stdout', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
  });

  it('for every command that succeeds', async () => {
    const backupDir = path.join(tempDir(), 'bk');
    const commands: string[][] = [
      ['init', ws.root],
      ['memory', 'set', 'j', '{"x":[1,2]}'],
      ['memory', 'get', 'j'],
      ['memory', 'list'],
      ['memory', 'list', '--pattern', 'j*'],
      ['memory', 'delete', 'j'],
      ['memory', 'delete', 'j', '--force'],
      ['memory', 'set', 'j2', 'text'],
      ['config', 'get', 'server.port'],
      ['config', 'get', 'storage'],
      ['config', 'list'],
      ['config', 'path'],
      ['config', 'set', 'log.level', 'error'],
      ['db', 'status'],
      ['db', 'check'],
      ['db', 'checkpoint'],
      ['db', 'backup', backupDir],
      ['module', 'list'],
      ['module', 'info', 'memory'],
    ];
    for (const args of commands) {
      const full = [...args, '--json'];
      const r = await ws.raos(full);
      expect(r.code, show(full, r)).toBe(0);
      const value = r.json(); // throws unless stdout is exactly one JSON value
      expect(value, show(full, r)).not.toBeNull();
      expect(typeof value === 'object' && value !== null && 'error' in value, show(full, r)).toBe(false);
    }
  });

  it('for errors: { error: { code, message } } and the code\'s exit status', async () => {
    const home = tempDir();
    const cases: { args: string[]; code: string; exit: number; env?: Record<string, string | undefined>; cwd?: string }[] = [
      { args: ['memory', 'get', 'missing'], code: 'NOT_FOUND', exit: 3 },
      { args: ['memory', 'set', 'a b', 'v'], code: 'INVALID_INPUT', exit: 2 },
      { args: ['memory', 'set', 'k'], code: 'INVALID_INPUT', exit: 2 },
      { args: ['memory', 'get', 'k', '--nope'], code: 'INVALID_INPUT', exit: 2 },
      { args: ['memory', 'delete', 'missing'], code: 'NOT_FOUND', exit: 3 },
      { args: ['config', 'get', 'server.nope'], code: 'NOT_FOUND', exit: 3 },
      { args: ['config', 'set', 'server.port', 'abc'], code: 'INVALID_INPUT', exit: 2 },
      { args: ['module', 'info', 'no-such-module'], code: 'NOT_FOUND', exit: 3 },
      { args: ['nosuchthing'], code: 'NOT_FOUND', exit: 3 },
      { args: ['memory', 'get', 'k', '-c', 'server.port=70000'], code: 'CONFIG_INVALID', exit: 11 },
      {
        args: ['memory', 'get', 'k'],
        code: 'WORKSPACE_NOT_FOUND',
        exit: 10,
        env: { RAOS_HOME: undefined, HOME: home, XDG_DATA_HOME: path.join(home, 'xdg') },
        cwd: home,
      },
    ];
    const results = await Promise.all(cases.map((c) => ws.raos([...c.args, '--json'], { env: c.env, cwd: c.cwd })));
    cases.forEach((c, i) => {
      const r = results[i];
      const full = [...c.args, '--json'];
      const parsed = r.json();
      expect(Object.keys(parsed), show(full, r)).toEqual(['error']);
      expect(parsed.error.code, show(full, r)).toBe(c.code);
      expect(typeof parsed.error.message, show(full, r)).toBe('string');
      expect(parsed.error.message.length).toBeGreaterThan(0);
      expect(r.code, show(full, r)).toBe(c.exit);
    });
  });
});

describe('exit codes', () => {
  it('a reader that closes the pipe early (raos ... | head) does not turn into exit 13 (STORAGE_CORRUPT)', async () => {
    // `raos config list | true`: stdout's reader is gone before raos writes. Exit 13 means "damaged storage"
    // to scripts (set -o pipefail), so a closed pipe must not produce it.
    const ws = await workspace();
    const runs = await Promise.all(
      [['--help'], ['config', 'list'], ['config', 'list', '--json']].map(
        (args) =>
          new Promise<{ args: string[]; code: number | null; stderr: string }>((resolve) => {
            const child = spawnRaos(args, { env: { RAOS_HOME: ws.root } });
            child.stdout!.destroy(); // close our end of the pipe at once
            child.stdin!.end();
            let stderr = '';
            child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
            child.on('close', (code) => resolve({ args, code, stderr }));
          }),
      ),
    );
    for (const r of runs) expect(r.code, `raos ${r.args.join(' ')} | (closed): exit ${r.code}\n${r.stderr}`).toBe(0);
  });
});

describe('config', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace();
  });

  it('config set writes raos.json; config get reports the value and its source', async () => {
    const set = await ws.ok(['config', 'set', 'server.port', '8080']);
    expect(set).toMatchObject({ key: 'server.port', value: 8080 });
    expect(JSON.parse(readFileSync(path.join(ws.root, 'raos.json'), 'utf8')).server.port).toBe(8080);
    const got = await ws.ok(['config', 'get', 'server.port']);
    expect(got).toMatchObject({ key: 'server.port', value: 8080, source: 'raos.json' });
    // Human mode prints the bare value.
    const human = await ws.raos(['config', 'get', 'server.port']);
    expect(human.stdout.trim()).toBe('8080');
  });

  it('RACORE_PORT beats raos.json, and -c beats the environment', async () => {
    await ws.ok(['config', 'set', 'server.port', '8080']);
    const fromEnv = await ws.ok(['config', 'get', 'server.port'], { env: { RACORE_PORT: '9001' } });
    expect(fromEnv).toMatchObject({ value: 9001, source: 'env', detail: 'RACORE_PORT' });
    const fromFlag = await ws.ok(['config', 'get', 'server.port', '-c', 'server.port=9100'], { env: { RACORE_PORT: '9001' } });
    expect(fromFlag).toMatchObject({ value: 9100, source: 'override' });
  });

  it('an out-of-range value is INVALID_INPUT and raos.json is not touched', async () => {
    const file = path.join(ws.root, 'raos.json');
    const before = readFileSync(file);
    const error = await ws.fails(['config', 'set', 'server.port', '99999'], 'INVALID_INPUT', 2);
    expect(error.message).toContain('server.port');
    expect(readFileSync(file).equals(before)).toBe(true);
    const unknown = await ws.fails(['config', 'set', 'server.prot', '1'], 'INVALID_INPUT', 2);
    expect(unknown.message).toContain('server.prot');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('config set log.level loud names the allowed values', async () => {
    const error = await ws.fails(['config', 'set', 'log.level', 'loud'], 'INVALID_INPUT', 2);
    expect(error.message).toContain('log.level');
    for (const level of ['debug', 'info', 'warn', 'error', 'silent']) expect(error.message).toContain(level);
  });

  it('a raos.json that is not valid JSON makes commands fail with CONFIG_INVALID naming the file', async () => {
    const broken = await workspace();
    const file = path.join(broken.root, 'raos.json');
    writeFileSync(file, '{ "server": { "port": 80, }');
    const error = await broken.fails(['memory', 'get', 'x'], 'CONFIG_INVALID', 11);
    expect(error.message).toContain(file);
    const human = await broken.raos(['memory', 'get', 'x']);
    expect(human.code).toBe(11);
    expect(human.stderr).toContain(file);
    // A file with a wrong value is CONFIG_INVALID too, naming the key and the file.
    writeFileSync(file, JSON.stringify({ server: { port: 'eighty' } }));
    const wrong = await broken.fails(['memory', 'list'], 'CONFIG_INVALID', 11);
    expect(wrong.message).toContain('server.port');
    expect(wrong.message).toContain(file);
  });

  it('config path reports the root and how it was found: flag, env, or cwd walking up', async () => {
    const nested = path.join(ws.root, 'a', 'b', 'c');
    mkdirSync(nested, { recursive: true });
    const other = tempDir();
    const [byFlag, byEnv, byCwd] = await Promise.all([
      ws.raos(['config', 'path', '--workspace', ws.root, '--json'], { env: { RAOS_HOME: undefined }, cwd: other }),
      ws.raos(['config', 'path', '--json'], { cwd: other }),
      ws.raos(['config', 'path', '--json'], { env: { RAOS_HOME: undefined }, cwd: nested }),
    ]);
    expect(byFlag.json()).toMatchObject({ root: ws.root, foundBy: 'flag' });
    expect(byEnv.json()).toMatchObject({ root: ws.root, foundBy: 'env' });
    expect(byCwd.json()).toMatchObject({ root: ws.root, foundBy: 'cwd', dataDir: path.join(ws.root, 'data'), modulesDir: path.join(ws.root, 'modules') });
    // --workspace beats RAOS_HOME.
    const elsewhere = await workspace();
    const both = await ws.raos(['config', 'path', '--workspace', elsewhere.root, '--json']);
    expect(both.json()).toMatchObject({ root: elsewhere.root, foundBy: 'flag' });
  });
});
