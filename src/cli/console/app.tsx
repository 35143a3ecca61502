/**
 * The `raos console` screen: a boot banner, the modules panel, the live event feed, the output of the
 * last commands, and a command line with history and Tab completion. Everything it does goes through
 * its props (running a command, listing modules, the event feed), so tests render it with fakes.
 */
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { EventFeed, FeedStatus } from './feed.js';
import { appendHistory } from './history.js';
import { completeLine, formatEvent, LineSyntaxError, splitWords, type ConsoleEvent } from './text.js';

/** What one command printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A row of the modules panel (a subset of `module.list()`'s entries). */
export interface ModuleRow {
  name: string;
  version: string;
  state: string;
  error?: string;
}

export interface ConsoleProps {
  /** raos's version, shown in the banner. */
  version: string;
  /** The workspace root, shown in the banner. */
  workspace: string;
  /** Every command as the user types it (`memory set`); Tab completes them. */
  commands: readonly string[];
  /** Topics (`memory`); Tab completes them too. Default: the first words of `commands`. */
  topics?: readonly string[];
  /** Runs one raos command (words without the leading `raos`); aborting the signal stops it. */
  run(words: string[], signal: AbortSignal): Promise<RunResult>;
  /** The modules and their states; called at start and after every command. */
  listModules(): Promise<ModuleRow[]>;
  /** Live events and whether they come from a daemon. */
  events: EventFeed;
  /** Earlier command lines, oldest first. Default: none. */
  history?: readonly string[];
  /** Called with the whole history after each command line, to persist it. */
  onHistory?(history: readonly string[]): void;
  /** Terminal size; default from stdout, else 80×24. */
  columns?: number;
  rows?: number;
}

/** The console's own words, besides raos commands. */
export const CONSOLE_COMMANDS = ['help', 'clear', 'exit', 'quit'] as const;

/** How many events the feed keeps (it shows as many as fit, up to FEED_ROWS). */
const FEED_KEEP = 100;
const FEED_ROWS = 15;
/** Output lines kept for scrolling back. */
const OUTPUT_KEEP = 2000;

type Line = { text: string; tone?: 'command' | 'error' | 'info' | 'dim' };

interface Editor {
  line: string;
  cursor: number;
  history: string[];
  /** Position in history while browsing with Up/Down; history.length means the line being typed. */
  index: number;
  /** The line being typed before browsing history started. */
  draft: string;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const KEYS_HINT = 'Enter run · Tab complete · ↑↓ history · PgUp/PgDn scroll · help · exit';

function helpLines(commands: readonly string[]): Line[] {
  const byTopic = new Map<string, string[]>();
  for (const c of commands) {
    const [first, ...rest] = c.split(' ');
    const list = byTopic.get(first) ?? [];
    if (rest.length > 0) list.push(rest.join(' '));
    byTopic.set(first, list);
  }
  return [
    { text: 'Type a raos command without `raos`, e.g. memory set greeting hello. Quote values with spaces: memory set k \'{"a": 1}\'', tone: 'info' },
    { text: 'Console: help [COMMAND] · clear · exit / quit / Ctrl-C · Ctrl-C while a command runs stops it', tone: 'info' },
    { text: 'Keys: Tab completes · ↑↓ history · ←→ Home End move · Ctrl-U clears the line · PgUp/PgDn scroll this panel', tone: 'info' },
    { text: 'Commands:', tone: 'info' },
    ...[...byTopic.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([topic, subs]) => ({ text: `  ${topic}${subs.length ? ` ${subs.sort().join(' | ')}` : ''}` })),
  ];
}

function lastLines(text: string): Line[] {
  const trimmed = text.replace(/\s+$/, '');
  return trimmed === '' ? [] : trimmed.split('\n').map((l) => ({ text: l.replace(/\t/g, '  ') }));
}

function Panel(props: { title: string; width: number; height: number; children?: ReactNode }) {
  // The title takes the first row inside the border (ink draws no text on borders).
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1} width={props.width} height={props.height + 3} flexShrink={0} overflow="hidden">
      <Box flexShrink={0}>
        <Text bold color="gray" wrap="truncate-end">
          {props.title}
        </Text>
      </Box>
      {props.children}
    </Box>
  );
}

export function ConsoleApp(props: ConsoleProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const columns = props.columns ?? stdout?.columns ?? 80;
  const rows = props.rows ?? (stdout as { rows?: number } | undefined)?.rows ?? 24;

  // Heights: banner 3, two bordered panels with a title row each, the command line and its hint; one
  // row spare so ink never has to clear the whole screen.
  const free = Math.max(8, rows - 12);
  const topRows = Math.max(3, Math.min(FEED_ROWS, Math.floor(free / 2)));
  const outputRows = Math.max(3, free - topRows);
  const modulesWidth = Math.max(28, Math.floor(columns * 0.38));

  const [, setTick] = useState(0);
  const rerender = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    // ink redraws on resize, but the layout above is computed from the size: compute it again.
    stdout?.on('resize', rerender);
    return () => {
      stdout?.off('resize', rerender);
    };
  }, [stdout, rerender]);
  // Keys can arrive several per tick (a paste, a fast typist): the editor lives in a ref so each key
  // sees the previous one's result, and a counter makes React draw it.
  const editor = useRef<Editor>({ line: '', cursor: 0, history: [...(props.history ?? [])], index: props.history?.length ?? 0, draft: '' });
  const [hint, setHint] = useState<Line | null>(null);
  const [output, setOutput] = useState<Line[]>([]);
  const [scroll, setScroll] = useState(0);
  const [modules, setModules] = useState<ModuleRow[] | null>(null);
  const [modulesError, setModulesError] = useState<string | null>(null);
  const [events, setEvents] = useState<ConsoleEvent[]>([]);
  const [status, setStatus] = useState<FeedStatus>({ state: 'local' });
  const running = useRef<AbortController | null>(null);
  /** Lines entered while a command runs (type-ahead, a pasted block): run in order afterwards. */
  const queue = useRef<string[]>([]);
  const draining = useRef(false);
  // Leaving while a command runs stops it.
  useEffect(() => () => running.current?.abort(), []);
  const [busy, setBusy] = useState<string | null>(null);

  const refreshModules = useCallback(async () => {
    try {
      setModules(await props.listModules());
      setModulesError(null);
    } catch (err) {
      setModulesError((err as Error).message);
    }
  }, [props.listModules]);

  // At start, and again when a daemon starts or stops: the modules then come from somewhere else.
  const attachedUrl = status.state === 'attached' ? status.url : null;
  useEffect(() => {
    void refreshModules();
  }, [refreshModules, attachedUrl]);

  useEffect(
    () =>
      props.events.subscribe({
        onEvent: (event) => setEvents((list) => [...list, event].slice(-FEED_KEEP)),
        onStatus: (s) => setStatus((prev) => (JSON.stringify(prev) === JSON.stringify(s) ? prev : s)),
      }),
    [props.events],
  );

  const topics = props.topics ?? [...new Set(props.commands.map((c) => c.split(' ')[0]))];
  const candidates = [...new Set([...props.commands, ...topics, ...CONSOLE_COMMANDS])];

  const print = (lines: Line[]) => {
    setOutput((out) => [...out, ...lines].slice(-OUTPUT_KEEP));
    setScroll(0);
  };

  /** Runs entered lines one at a time, in order; Enter while one runs only queues its line. */
  async function submit(line: string): Promise<void> {
    queue.current.push(line);
    if (draining.current) return;
    draining.current = true;
    try {
      for (let next = queue.current.shift(); next !== undefined; next = queue.current.shift()) await runLine(next);
    } finally {
      draining.current = false;
    }
  }

  async function runLine(line: string): Promise<void> {
    const ed = editor.current;
    ed.history = appendHistory(ed.history, line);
    ed.index = ed.history.length;
    ed.draft = '';
    if (line.trim() !== '') props.onHistory?.(ed.history);
    let words: string[];
    try {
      words = splitWords(line);
    } catch (err) {
      if (!(err instanceof LineSyntaxError)) throw err;
      setHint({ text: `${err.message}: nothing was run`, tone: 'error' });
      return;
    }
    if (words[0] === 'raos') words = words.slice(1);
    if (words.length === 0) return;
    const [first, ...rest] = words;
    if (first === 'exit' || first === 'quit') return exit();
    if (first === 'clear') {
      setOutput([]);
      setScroll(0);
      return;
    }
    if (first === 'help' && rest.length === 0) return print([{ text: '$ help', tone: 'command' }, ...helpLines(props.commands)]);
    if (first === 'console') return print([{ text: `$ ${line.trim()}`, tone: 'command' }, { text: 'you are in the console already', tone: 'info' }]);
    const argv = first === 'help' ? [...rest, '--help'] : words;
    const controller = new AbortController();
    running.current = controller;
    setBusy(line.trim());
    print([{ text: `$ raos ${line.trim().replace(/^raos\s+/, '')}`, tone: 'command' }]);
    try {
      const result = await props.run(argv, controller.signal);
      print([
        ...lastLines(result.stdout),
        ...lastLines(result.stderr).map((l) => ({ ...l, tone: 'error' as const })),
        ...(result.code !== 0 ? [{ text: `exit ${result.code}`, tone: 'error' as const }] : []),
      ]);
    } catch (err) {
      print([{ text: `could not run it: ${(err as Error).message}`, tone: 'error' }]);
    } finally {
      running.current = null;
      setBusy(null);
    }
    await refreshModules();
  }

  const handleKey = (input: string, key: Key) => {
    const ed = editor.current;
    if (key.ctrl && input === 'c') {
      if (running.current) {
        queue.current = [];
        running.current.abort();
        return;
      }
      return exit();
    }
    if (key.pageUp || key.pageDown) {
      const most = Math.max(0, output.length - outputRows);
      setScroll((s) => Math.max(0, Math.min(most, s + (key.pageUp ? 1 : -1) * Math.max(1, outputRows - 1))));
      return;
    }
    const set = (line: string, cursor = line.length) => {
      ed.line = line;
      ed.cursor = Math.max(0, Math.min(cursor, line.length));
      rerender();
    };
    if (key.return) {
      const line = ed.line;
      set('');
      setHint(null);
      void submit(line);
      return;
    }
    if (key.ctrl && input === 'd') {
      if (ed.line === '') exit();
      return;
    }
    if (key.tab) {
      if (ed.cursor !== ed.line.length) return;
      const { line, options } = completeLine(ed.line, candidates);
      set(line);
      setHint(options.length > 0 ? { text: options.join('  '), tone: 'dim' } : null);
      return;
    }
    if (key.upArrow || key.downArrow) {
      if (ed.history.length === 0) return;
      if (ed.index === ed.history.length) ed.draft = ed.line;
      ed.index = Math.max(0, Math.min(ed.history.length, ed.index + (key.upArrow ? -1 : 1)));
      set(ed.index === ed.history.length ? ed.draft : ed.history[ed.index]);
      return;
    }
    if (key.leftArrow) return set(ed.line, ed.cursor - 1);
    if (key.rightArrow) return set(ed.line, ed.cursor + 1);
    if (key.home || (key.ctrl && input === 'a')) return set(ed.line, 0);
    if (key.end || (key.ctrl && input === 'e')) return set(ed.line, ed.line.length);
    if (key.ctrl && input === 'u') return set('', 0);
    if (key.ctrl && input === 'w') {
      const before = ed.line.slice(0, ed.cursor).replace(/\S+\s*$/, '');
      return set(before + ed.line.slice(ed.cursor), before.length);
    }
    if (key.backspace || key.delete) {
      if (ed.cursor === 0) return;
      return set(ed.line.slice(0, ed.cursor - 1) + ed.line.slice(ed.cursor), ed.cursor - 1);
    }
    if (key.ctrl || key.meta || key.escape) return;
    // A paste arrives as one string: keep it on one line.
    const text = input.replace(/[\r\n\t]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '');
    if (text === '') return;
    setHint(null);
    set(ed.line.slice(0, ed.cursor) + text + ed.line.slice(ed.cursor), ed.cursor + text.length);
  };

  useInput((input, key) => {
    // ink splits escape sequences into keys but hands over plain text as one chunk, control
    // characters included: `mem\t` from a fast typist, `memory list\r` from a paste or tmux.
    if (input.length > 1 && /[\x00-\x1f\x7f]/.test(input) && !key.ctrl && !key.meta) {
      for (const part of input.match(/[^\x00-\x1f\x7f]+|[\x00-\x1f\x7f]/g) ?? []) {
        const code = part.charCodeAt(0);
        if (part.length > 1 || (code >= 0x20 && code !== 0x7f)) handleKey(part, NO_KEY);
        else if (part === '\r' || part === '\n') handleKey('', { ...NO_KEY, return: true });
        else if (part === '\t') handleKey('', { ...NO_KEY, tab: true });
        else if (part === '\x7f' || part === '\b') handleKey('', { ...NO_KEY, backspace: true });
        else if (code >= 1 && code <= 26) handleKey(String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true });
      }
      return;
    }
    handleKey(input, key);
  });


  const tone = (l: Line) =>
    l.tone === 'command' ? { color: 'cyan' } : l.tone === 'error' ? { color: 'red' } : l.tone === 'info' ? { color: 'yellow' } : l.tone === 'dim' ? { dimColor: true } : {};
  const maxScroll = Math.max(0, output.length - outputRows);
  const from = Math.max(0, output.length - outputRows - Math.min(scroll, maxScroll));
  const shownOutput = output.slice(from, from + outputRows);

  // A failure's reason wraps under its module, cut to two lines; a list longer than the panel is cut
  // at the bottom, and the title still counts every module.
  const reasonMax = Math.max(20, (modulesWidth - 6) * 2);
  const failed = (modules ?? []).filter((m) => m.state === 'failed').length;
  const modulesTitle = modules === null ? 'Modules' : `Modules (${modules.length}${failed ? `, ${failed} failed` : ''})`;

  const where =
    status.state === 'attached'
      ? `attached to the daemon at ${status.url}`
      : status.state === 'connecting'
        ? `connecting to the daemon at ${status.url}…`
        : status.state === 'error'
          ? `daemon${status.url ? ` at ${status.url}` : ''}: ${status.message}`
          : 'running locally (no daemon)';
  const feedNote =
    status.state === 'local'
      ? 'not attached: start the daemon to see live events'
      : status.state === 'connecting'
        ? `connecting to ${status.url}…`
        : status.state === 'error'
          ? status.message
          : events.length === 0
            ? 'attached: waiting for events'
            : null;
  const shownEvents = events.slice(-(feedNote ? topRows - 1 : topRows));

  const ed = editor.current;
  return (
    <Box flexDirection="column" width={columns}>
      <Box>
        <Box flexDirection="column" marginRight={2}>
          <Text color="magenta">╭─────╮</Text>
          <Text color="magenta">│ ◕‿◕ │</Text>
          <Text color="magenta">╰─────╯</Text>
        </Box>
        <Box flexDirection="column">
          <Text>
            <Text bold color="magenta">
              RaOS
            </Text>{' '}
            <Text dimColor>v{props.version} console</Text>
          </Text>
          <Text wrap="truncate-middle">workspace {props.workspace}</Text>
          <Text color={status.state === 'attached' ? 'green' : status.state === 'local' ? undefined : 'yellow'} wrap="truncate-end">
            {where}
          </Text>
        </Box>
      </Box>
      <Box>
        <Panel title={modulesTitle} width={modulesWidth} height={topRows}>
          {modules === null && !modulesError ? <Text dimColor>loading…</Text> : null}
          {modulesError ? <Text color="red">could not list modules: {modulesError}</Text> : null}
          {(modules ?? []).map((m) => {
            const mark = m.state === 'ready' ? '●' : m.state === 'failed' ? '✗' : '○';
            const color = m.state === 'ready' ? undefined : m.state === 'failed' ? 'red' : 'gray';
            return (
              <Box key={m.name} flexDirection="column" flexShrink={0}>
                <Text color={color} wrap="truncate-end">
                  {[mark, m.name, m.version, m.state].filter(Boolean).join(' ')}
                </Text>
                {m.error ? (
                  <Box paddingLeft={2}>
                    <Text color="red">{m.error.length > reasonMax ? m.error.slice(0, reasonMax - 1) + '…' : m.error}</Text>
                  </Box>
                ) : null}
              </Box>
            );
          })}
        </Panel>
        <Panel title="Events" width={columns - modulesWidth} height={topRows}>
          {feedNote ? <Text dimColor wrap="truncate-end">{feedNote}</Text> : null}
          {shownEvents.map((e, i) => (
            <Text key={`${e.timestamp}-${i}`} wrap="truncate-end">
              {formatEvent(e)}
            </Text>
          ))}
        </Panel>
      </Box>
      <Panel title={scroll > 0 && maxScroll > 0 ? `Output (scrolled back ${Math.min(scroll, maxScroll)} lines)` : 'Output'} width={columns} height={outputRows}>
        {shownOutput.length === 0 ? <Text dimColor>Type a command below, or help.</Text> : null}
        {shownOutput.map((l, i) => (
          <Text key={from + i} {...tone(l)} wrap="truncate-end">
            {l.text === '' ? ' ' : l.text}
          </Text>
        ))}
      </Panel>
      <Box>
        <Text color="magenta" bold>
          raos›{' '}
        </Text>
        <Text wrap="truncate-start">
          {ed.line.slice(0, ed.cursor)}
          <Text inverse>{ed.line[ed.cursor] ?? ' '}</Text>
          {ed.line.slice(ed.cursor + 1)}
        </Text>
      </Box>
      {busy !== null ? (
        <Text color="yellow" wrap="truncate-end">
          running {busy} … (Ctrl-C stops it{queue.current.length ? `; ${queue.current.length} more queued` : ''})
        </Text>
      ) : (
        <Text {...(hint ? tone(hint) : { dimColor: true })} wrap="truncate-end">
          {hint ? hint.text : KEYS_HINT}
        </Text>
      )}
    </Box>
  );
}
