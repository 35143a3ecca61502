/**
 * `raos console`: the pure helpers, the screen rendered with ink-testing-library and fake props, the
 * real wiring (child CLI, module lister, daemon feed), and the built CLI refusing to run without a TTY.
 * (A .ts file: vitest's include is test/**\/*.test.ts, so no JSX here.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsoleApp, type ConsoleProps, type ModuleRow, type RunResult } from '../../src/cli/console/app.js';
import { daemonFeed, type EventFeed, type FeedHandlers, type FeedStatus } from '../../src/cli/console/feed.js';
import { appendHistory, historyFile, HISTORY_LIMIT, readHistory, writeHistory } from '../../src/cli/console/history.js';
import { commandArgv, moduleLister, spawnCli } from '../../src/cli/console/start.js';
import { clockTime, completeLine, formatEvent, LineSyntaxError, splitWords } from '../../src/cli/console/text.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/server.js';
import { loadConfig } from '../../src/kernel/config.js';
import { silentLogger } from '../../src/kernel/logger.js';
import { initWorkspace, workspacePaths } from '../../src/kernel/workspace.js';
import { useTempDirs } from '../helpers.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(REPO, 'bin', 'run.js');
const tempDir = useTempDirs();

const COMMANDS = ['init', 'console', 'memory get', 'memory set', 'memory list', 'memory delete', 'module list', 'module info', 'daemon start', 'daemon stop'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` stops throwing (2 s), then returns its value. */
async function until<T>(check: () => T, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}

/** An event feed the test drives by hand. */
function fakeFeed(initial: FeedStatus = { state: 'local' }) {
  let handlers: FeedHandlers | null = null;
  const feed: EventFeed & { emit: FeedHandlers } = {
    subscribe(h) {
      handlers = h;
      h.onStatus(initial);
      return () => {
        handlers = null;
      };
    },
    emit: {
      onEvent: (e) => handlers?.onEvent(e),
      onStatus: (s) => handlers?.onStatus(s),
    },
  };
  return feed;
}

const MODULES: ModuleRow[] = [
  { name: 'memory', version: '1.0.0', state: 'ready' },
  { name: 'broken', version: '0.2.0', state: 'failed', error: 'init threw: boom' },
];

function setup(overrides: Partial<ConsoleProps> = {}) {
  const run = vi.fn(async (words: string[]): Promise<RunResult> => ({ code: 0, stdout: `ran ${words.join('|')}\n`, stderr: '' }));
  const listModules = vi.fn(async () => MODULES);
  const events = fakeFeed();
  const props: ConsoleProps = { version: '0.1.0', workspace: '/tmp/world', commands: COMMANDS, run, listModules, events, rows: 30, ...overrides };
  const screen = render(createElement(ConsoleApp, props));
  const frame = () => screen.lastFrame() ?? '';
  const type = async (text: string) => {
    screen.stdin.write(text);
    await sleep(15);
  };
  return { screen, frame, type, run, listModules, events, props };
}

let unmount: (() => void)[] = [];
afterEach(() => {
  for (const u of unmount.splice(0)) u();
});

function mounted(s: ReturnType<typeof setup>) {
  unmount.push(() => s.screen.unmount());
  return s;
}

// The input line is the one starting with the prompt.
const inputLine = (frame: string) => frame.split('\n').find((l) => l.includes('raos›')) ?? '';

describe('splitWords', () => {
  it('splits on whitespace and keeps quoted text together', () => {
    expect(splitWords('memory set a 1')).toEqual(['memory', 'set', 'a', '1']);
    expect(splitWords(`memory set k '{"a": 1}'`)).toEqual(['memory', 'set', 'k', '{"a": 1}']);
    expect(splitWords('memory set k "say \\"hi\\" \\\\ ok"')).toEqual(['memory', 'set', 'k', 'say "hi" \\ ok']);
    expect(splitWords("  a\\ b  ''  c'd'e ")).toEqual(['a b', '', 'cde']);
    expect(splitWords('')).toEqual([]);
  });

  it('refuses unterminated quotes and a trailing backslash', () => {
    expect(() => splitWords("memory set k '{")).toThrow(LineSyntaxError);
    expect(() => splitWords('memory set k "x')).toThrow(/unterminated " quote/);
    expect(() => splitWords('a \\')).toThrow(LineSyntaxError);
  });
});

describe('completeLine', () => {
  const candidates = [...COMMANDS, 'memory', 'module', 'daemon', 'help', 'clear', 'exit', 'quit'];
  it('completes one word at a time', () => {
    expect(completeLine('mem', candidates)).toEqual({ line: 'memory ', options: [] });
    expect(completeLine('memory s', candidates)).toEqual({ line: 'memory set ', options: [] });
    expect(completeLine('da', candidates)).toEqual({ line: 'daemon ', options: [] });
  });

  it('completes the common prefix and lists the choices when several fit', () => {
    expect(completeLine('m', candidates)).toEqual({ line: 'm', options: ['memory', 'module'] });
    expect(completeLine('mo', candidates)).toEqual({ line: 'module ', options: [] });
    expect(completeLine('memory ', candidates)).toEqual({ line: 'memory ', options: ['delete', 'get', 'list', 'set'] });
    expect(completeLine('c', candidates)).toEqual({ line: 'c', options: ['clear', 'console'] });
  });

  it('leaves arguments alone', () => {
    expect(completeLine('memory set gre', candidates)).toEqual({ line: 'memory set gre', options: [] });
    expect(completeLine("memory set 'x", candidates)).toEqual({ line: "memory set 'x", options: [] });
    expect(completeLine('zzz', candidates)).toEqual({ line: 'zzz', options: [] });
  });
});

describe('formatEvent', () => {
  it('prints HH:MM:SS, the event type and the payload as key=value, key first', () => {
    const ts = new Date(2025, 0, 2, 9, 5, 7).getTime();
    expect(clockTime(ts)).toBe('09:05:07');
    expect(formatEvent({ eventType: 'memory:set', payload: { namespace: 'default', key: 'greeting', expiresAt: null, created: true }, timestamp: ts })).toBe(
      '09:05:07 memory:set key=greeting namespace=default created=true',
    );
    expect(formatEvent({ eventType: 'game:tick', payload: [1, 2], timestamp: ts })).toBe('09:05:07 game:tick [1,2]');
    expect(formatEvent({ eventType: 'x:y', payload: null, timestamp: ts })).toBe('09:05:07 x:y');
    expect(formatEvent({ eventType: 'x:y', payload: { v: 'a'.repeat(100) }, timestamp: ts }).length).toBeLessThan(70);
  });
});

describe('history file', () => {
  it('keeps the last lines, skips blanks and immediate repeats', () => {
    const file = historyFile(path.join(tempDir(), 'data'));
    expect(readHistory(file)).toEqual([]);
    let h = appendHistory([], 'memory list');
    h = appendHistory(h, 'memory list');
    h = appendHistory(h, '   ');
    h = appendHistory(h, 'module list');
    expect(h).toEqual(['memory list', 'module list']);
    writeHistory(file, h);
    expect(readHistory(file)).toEqual(h);
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) h = appendHistory(h, `memory get k${i}`);
    expect(h).toHaveLength(HISTORY_LIMIT);
    writeHistory(file, h);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(HISTORY_LIMIT);
    expect(readHistory(file).at(-1)).toBe(`memory get k${HISTORY_LIMIT + 19}`);
  });
});

describe('ConsoleApp', () => {
  it('renders the banner, the modules with their states (and why one failed) and the feed note', async () => {
    const { frame, listModules } = mounted(setup());
    await until(() => expect(frame()).toContain('broken 0.2.0 failed'));
    const f = frame();
    expect(f).toContain('RaOS');
    expect(f).toContain('v0.1.0');
    expect(f).toContain('workspace /tmp/world');
    expect(f).toContain('running locally (no daemon)');
    expect(f).toContain('memory 1.0.0 ready');
    expect(f).toContain('init threw: boom');
    expect(f).toContain('not attached: start the daemon to see live events');
    expect(f).toContain('Modules (2, 1 failed)');
    expect(f).toContain('Events');
    expect(f).toContain('Output');
    expect(listModules).toHaveBeenCalled();
    // The screen fits the terminal (30 rows) with a row to spare.
    expect(f.split('\n').length).toBeLessThan(30);
  });

  it('keeps to the terminal size with many modules and long failure reasons', async () => {
    const many: ModuleRow[] = Array.from({ length: 25 }, (_, i) => ({ name: `mod${i}`, version: '1.0.0', state: i % 3 ? 'ready' : 'failed', error: i % 3 ? undefined : 'x'.repeat(300) }));
    const s = mounted(setup({ listModules: async () => many, rows: 24 }));
    await until(() => expect(s.frame()).toContain('Modules (25, 9 failed)'));
    expect(s.frame().split('\n').length).toBeLessThan(24);
    expect(s.frame()).toContain('raos›');
    for (const line of s.frame().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('shows when listing the modules fails', async () => {
    const { frame } = mounted(setup({ listModules: async () => Promise.reject(new Error('workspace lock busy')) }));
    await until(() => expect(frame()).toContain('could not list modules: workspace'));
    // (wrapped onto the next line of the panel)
    expect(frame()).toMatch(/│ lock busy\s+│/);
  });

  it('runs a typed command with its words, shows the output and refreshes the modules', async () => {
    const s = mounted(setup());
    await until(() => expect(s.frame()).toContain('memory 1.0.0 ready'));
    const callsBefore = s.listModules.mock.calls.length;
    await s.type(`memory set k '{"a": 1}'`);
    expect(inputLine(s.frame())).toContain(`memory set k '{"a": 1}'`);
    await s.type('\r');
    await until(() => expect(s.frame()).toContain('ran memory|set|k|{"a": 1}'));
    expect(s.run).toHaveBeenCalledTimes(1);
    expect(s.run.mock.calls[0][0]).toEqual(['memory', 'set', 'k', '{"a": 1}']);
    expect(s.frame()).toContain(`$ raos memory set k '{"a": 1}'`);
    await until(() => expect(s.listModules.mock.calls.length).toBeGreaterThan(callsBefore));
    expect(inputLine(s.frame())).not.toContain('memory set');
  });

  it('shows stderr and the exit code of a failing command; a leading raos is dropped', async () => {
    const run = vi.fn(async (_words: string[]) => ({ code: 3, stdout: '', stderr: "Error [NOT_FOUND]: no key 'nope'\n" }));
    const s = mounted(setup({ run }));
    await s.type('raos memory get nope');
    await s.type('\r');
    await until(() => expect(s.frame()).toContain('exit 3'));
    expect(run.mock.calls[0][0]).toEqual(['memory', 'get', 'nope']);
    expect(s.frame()).toContain("Error [NOT_FOUND]: no key 'nope'");
  });

  it('does not run a line with an unterminated quote', async () => {
    const s = mounted(setup());
    await s.type("memory set k '{");
    await s.type('\r');
    await until(() => expect(s.frame()).toContain("unterminated ' quote: nothing was run"));
    expect(s.run).not.toHaveBeenCalled();
  });

  it('recalls history with Up and Down, and reports it for saving', async () => {
    const onHistory = vi.fn();
    const s = mounted(setup({ history: ['module list'], onHistory }));
    await s.type('memory list');
    await s.type('\r');
    await until(() => expect(s.run).toHaveBeenCalledTimes(1));
    await until(() => expect(s.frame()).toContain('ran memory|list'));
    expect(onHistory).toHaveBeenLastCalledWith(['module list', 'memory list']);
    await s.type('memo');
    await s.type('\x1b[A');
    expect(inputLine(s.frame())).toContain('memory list');
    await s.type('\x1b[A');
    expect(inputLine(s.frame())).toContain('module list');
    await s.type('\x1b[A');
    expect(inputLine(s.frame())).toContain('module list');
    await s.type('\x1b[B');
    await s.type('\x1b[B');
    // Back past the newest entry: the line that was being typed.
    expect(inputLine(s.frame())).toMatch(/raos›\s+memo$/);
    await s.type('\x1b[A');
    await s.type('\r');
    await until(() => expect(s.run).toHaveBeenCalledTimes(2));
    expect(s.run.mock.calls[1][0]).toEqual(['memory', 'list']);
  });

  it('completes command ids and topics with Tab, and lists the choices', async () => {
    const s = mounted(setup());
    await s.type('mem');
    await s.type('\t');
    // (ink trims trailing spaces from frames: the next key shows the space Tab added.)
    await s.type('s');
    expect(inputLine(s.frame())).toContain('memory s');
    await s.type('\t');
    expect(inputLine(s.frame())).toContain('memory set');
    await s.type('k');
    expect(inputLine(s.frame())).toContain('memory set k');
    await s.type('\x15'); // Ctrl-U clears the line
    expect(inputLine(s.frame())).not.toContain('memory');
    await s.type('memory ');
    await s.type('\t');
    expect(s.frame()).toContain('delete  get  list  set');
  });

  it('handles keys that arrive in one chunk with text (fast typing, tmux, a pasted block)', async () => {
    const s = mounted(setup());
    await s.type('mem\ts\t');
    await s.type('k');
    expect(inputLine(s.frame())).toContain('memory set k');
    await s.type('\x15memory lisx\x7ft\r');
    await until(() => expect(s.run).toHaveBeenCalledTimes(1));
    expect(s.run.mock.calls[0][0]).toEqual(['memory', 'list']);
    // A pasted block runs line by line, in order, each after the previous one finished.
    await s.type('memory get a\rclear\rmemory get b\r');
    await until(() => expect(s.run).toHaveBeenCalledTimes(3));
    expect(s.run.mock.calls.slice(1).map((c) => c[0])).toEqual([
      ['memory', 'get', 'a'],
      ['memory', 'get', 'b'],
    ]);
    await until(() => expect(s.frame()).toContain('ran memory|get|b'));
    expect(s.frame()).not.toContain('ran memory|get|a');
  });

  it('edits in the middle of the line', async () => {
    const s = mounted(setup());
    await s.type('memory lst');
    await s.type('\x1b[D'); // Left
    await s.type('\x1b[D');
    await s.type('i');
    await s.type('\r');
    await until(() => expect(s.run).toHaveBeenCalledTimes(1));
    expect(s.run.mock.calls[0][0]).toEqual(['memory', 'list']);
  });

  it('shows injected events in the feed and the daemon it is attached to', async () => {
    const s = mounted(setup());
    const ts = new Date(2025, 0, 2, 12, 0, 1).getTime();
    s.events.emit.onStatus({ state: 'attached', url: 'http://127.0.0.1:7077' });
    await until(() => expect(s.frame()).toContain('attached to the daemon at http://127.0.0.1:7077'));
    expect(s.frame()).toContain('attached: waiting for events');
    s.events.emit.onEvent({ eventType: 'memory:set', payload: { key: 'greeting', namespace: 'default' }, timestamp: ts });
    await until(() => expect(s.frame()).toContain('12:00:01 memory:set key=greeting namespace=default'));
    // The feed keeps the newest events that fit.
    for (let i = 0; i < 30; i++) s.events.emit.onEvent({ eventType: 'memory:delete', payload: { key: `k${i}` }, timestamp: ts });
    await until(() => expect(s.frame()).toContain('key=k29'));
    expect(s.frame()).not.toContain('key=k0 ');
    expect(s.frame()).not.toContain('key=greeting');
    s.events.emit.onStatus({ state: 'local' });
    await until(() => expect(s.frame()).toContain('running locally (no daemon)'));
  });

  it('help lists the commands without running anything; help COMMAND runs COMMAND --help; clear empties the output', async () => {
    const s = mounted(setup());
    await s.type('help');
    await s.type('\r');
    await until(() => expect(s.frame()).toContain('memory delete | get | list | set'));
    expect(s.run).not.toHaveBeenCalled();
    await s.type('help memory set');
    await s.type('\r');
    await until(() => expect(s.run).toHaveBeenCalledTimes(1));
    expect(s.run.mock.calls[0][0]).toEqual(['memory', 'set', '--help']);
    await s.type('clear');
    await s.type('\r');
    await until(() => expect(s.frame()).toContain('Type a command below, or help.'));
    expect(s.frame()).not.toContain('ran memory');
  });

  it('Ctrl-C stops a running command instead of leaving', async () => {
    let aborted = false;
    const run = vi.fn(
      (_words: string[], signal: AbortSignal) =>
        new Promise<RunResult>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ code: 130, stdout: '', stderr: 'stopped (SIGINT)\n' });
          });
        }),
    );
    const s = mounted(setup({ run }));
    await s.type('daemon logs -f');
    await s.type('\r');
    await until(() => expect(s.frame()).toContain('running daemon logs -f'));
    await s.type('\x03');
    await until(() => expect(s.frame()).toContain('exit 130'));
    expect(aborted).toBe(true);
  });
});

describe('console wiring', () => {
  it('puts --workspace and -c before a -- and leaves a given --workspace alone', () => {
    expect(commandArgv(['memory', 'list'], { root: '/w' })).toEqual(['memory', 'list', '--workspace', '/w']);
    expect(commandArgv(['mod', 'cmd', '--', '-x'], { root: '/w', config: ['a=1'] })).toEqual(['mod', 'cmd', '--workspace', '/w', '-c', 'a=1', '--', '-x']);
    expect(commandArgv(['memory', 'list', '-w', '/other'], { root: '/w' })).toEqual(['memory', 'list', '-w', '/other']);
  });

  describe('with the built CLI', () => {
    function assertBuilt() {
      for (const p of ['dist/index.js', 'dist/cli.cjs', 'dist/cli/console/ui.js', 'oclif.manifest.json']) {
        if (!existsSync(path.join(REPO, p))) throw new Error(`these tests run the built CLI, but ${p} is missing: run npm run build`);
      }
    }
    /** The environment of a user's shell: no test runner variables (NODE_ENV=test makes oclif load tsx). */
    function userEnv(): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (/^(RAOS|RACORE)_/.test(k) || /^VITEST/.test(k) || k === 'NODE_ENV' || k === 'NODE_OPTIONS') continue;
        env[k] = v;
      }
      return env;
    }

    function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      return new Promise((resolve, reject) => {
        // stdin and stdout are pipes: no TTY.
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: userEnv(), cwd: REPO });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end();
      });
    }

    it('raos console without a terminal says it needs one and exits non-zero', async () => {
      assertBuilt();
      const { root } = initWorkspace(tempDir());
      const human = await runBin(['console', '--workspace', root]);
      expect(human.code).toBe(15);
      expect(human.stdout).toBe('');
      expect(human.stderr).toContain('Error [UNAVAILABLE]: raos console needs an interactive terminal');
      expect(human.stderr).toContain('Hint: Run single commands instead, e.g. raos memory list');
      const json = await runBin(['console', '--json']);
      expect(json.code).toBe(15);
      expect(JSON.parse(json.stdout)).toEqual({
        error: { code: 'UNAVAILABLE', message: 'raos console needs an interactive terminal', hint: 'Run single commands instead, e.g. raos memory list' },
      });
    }, 30_000);

    it('spawnCli runs raos commands in the workspace and returns their output and exit code', async () => {
      assertBuilt();
      const { root } = initWorkspace(tempDir());
      {
        const run = spawnCli({ packageRoot: REPO, root, env: userEnv() });
        const signal = new AbortController().signal;
        expect(await run(['memory', 'set', 'k', '{"a": 1}'], signal)).toMatchObject({ code: 0 });
        const got = await run(['memory', 'get', 'k'], signal);
        expect(got.code).toBe(0);
        expect(JSON.parse(got.stdout)).toEqual({ a: 1 });
        const missing = await run(['memory', 'get', 'nope'], signal);
        expect(missing.code).toBe(3);
        expect(missing.stderr).toContain('NOT_FOUND');
      }
    }, 30_000);
  });

  describe('with a daemon', () => {
    let daemon: RunningDaemon | undefined;
    afterEach(async () => {
      await daemon?.close();
      daemon = undefined;
    });

    it('lists modules locally, and through the daemon when it runs', async () => {
      const { root } = initWorkspace(tempDir());
      const list = moduleLister({ root });
      expect(await list()).toEqual(
        ['audit', 'auth', 'cms', 'game', 'memory'].map((name) => ({ name, version: expect.any(String), state: 'ready', error: undefined })),
      );
      const { config } = loadConfig({ root, env: {} });
      daemon = await startDaemon({ root, config, log: silentLogger, version: '0.0.0-test', host: '127.0.0.1', port: 0 });
      expect((await list()).map((m) => m.name)).toEqual(['audit', 'auth', 'cms', 'game', 'memory']);
    });

    it('the feed attaches, delivers events, and follows the daemon through a restart', async () => {
      const { root } = initWorkspace(tempDir());
      const { config } = loadConfig({ root, env: {} });
      const dataDir = workspacePaths(root, config).dataDir;
      const statuses: FeedStatus[] = [];
      const events: string[] = [];
      const stop = daemonFeed({ dataDir, pollMs: 50 }).subscribe({
        onEvent: (e) => events.push(formatEvent(e)),
        onStatus: (s) => statuses.push(s),
      });
      try {
        await until(() => expect(statuses.at(-1)).toEqual({ state: 'local' }));
        daemon = await startDaemon({ root, config, log: silentLogger, version: '0.0.0-test', host: '127.0.0.1', port: 0 });
        const firstUrl = daemon.url;
        await until(() => expect(statuses.at(-1)).toEqual({ state: 'attached', url: firstUrl }), 5000);
        daemon.kernel.bus.publish('memory:set', { key: 'greeting' });
        await until(() => expect(events.some((e) => e.includes('memory:set key=greeting'))).toBe(true), 5000);

        await daemon.close();
        daemon = undefined;
        await until(() => expect(statuses.at(-1)).toEqual({ state: 'local' }), 5000);
        daemon = await startDaemon({ root, config, log: silentLogger, version: '0.0.0-test', host: '127.0.0.1', port: 0 });
        const secondUrl = daemon.url;
        await until(() => expect(statuses.at(-1)).toEqual({ state: 'attached', url: secondUrl }), 5000);
        daemon.kernel.bus.publish('memory:delete', { key: 'greeting' });
        await until(() => expect(events.some((e) => e.includes('memory:delete key=greeting'))).toBe(true), 5000);
      } finally {
        stop();
      }
    }, 20_000);
  });
});
