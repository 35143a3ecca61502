/**
 * The console's pure text helpers: splitting a typed line into words, Tab completion of command ids,
 * and one-line renderings of events. No ink, no I/O, so they are cheap to test.
 */

/** A typed line that cannot be split into words (an unterminated quote or a trailing backslash). */
export class LineSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineSyntaxError';
  }
}

/**
 * Splits a command line the way a POSIX shell does for plain words: whitespace separates words,
 * '…' keeps everything literally, "…" keeps everything but lets \" and \\ escape, and a backslash
 * outside quotes escapes the next character. `memory set k '{"a": 1}'` → ['memory', 'set', 'k', '{"a": 1}'].
 * No variables, globs or pipes: the words go to raos as they are.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new LineSyntaxError("unterminated ' quote");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '"') {
      inWord = true;
      let closed = false;
      for (i++; i < line.length; i++) {
        const c = line[i];
        if (c === '"') {
          closed = true;
          break;
        }
        if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
        else word += c;
      }
      if (!closed) throw new LineSyntaxError('unterminated " quote');
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new LineSyntaxError('a backslash at the end of the line escapes nothing');
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** oclif ids (`memory:set`) as the user types them (`memory set`). */
export function commandWords(id: string): string {
  return id.split(':').join(' ');
}

export interface Completion {
  /** The line after completion (unchanged when there is nothing to add). */
  line: string;
  /** When the completion is ambiguous: the words that could come next, sorted. */
  options: string[];
}

/**
 * Completes the command at the start of `line` from `candidates` (command ids and topics as words:
 * `memory`, `memory set`, `help`). Completes one word at a time, like a shell: `mem` → `memory `,
 * `memory s` → `memory set ` when `set` is the only `memory` command starting with s. When several
 * words fit, it completes their common prefix and lists them in `options`.
 */
export function completeLine(line: string, candidates: readonly string[]): Completion {
  const typed = line.replace(/^\s+/, '').replace(/\s+/g, ' ');
  // Past the command id (arguments, flags, quotes): nothing to complete.
  if (/['"\\]/.test(typed)) return { line, options: [] };
  const nexts = new Set<string>();
  for (const c of candidates) {
    if (!c.startsWith(typed)) continue;
    // Cut each candidate at the end of the word being typed: `memory set` offers `memory` to `mem`,
    // and `memory set` to `memory ` (one word at a time).
    const space = c.indexOf(' ', typed.length);
    nexts.add(space === -1 ? c : c.slice(0, space));
  }
  const matches = [...nexts].sort();
  if (matches.length === 0) return { line, options: [] };
  if (matches.length === 1) return { line: matches[0] + ' ', options: [] };
  let prefix = matches[0];
  for (const m of matches) while (!m.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const options = matches.map((m) => m.slice(m.lastIndexOf(' ') + 1));
  return { line: prefix.length > typed.length ? prefix : line, options };
}

/** An event of the daemon's `/ws` stream (docs/protocol.md). */
export interface ConsoleEvent {
  eventType: string;
  payload: unknown;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

/** `HH:MM:SS` in local time. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function shortValue(value: unknown, max = 40): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > max ? oneLine.slice(0, max - 1) + '…' : oneLine;
}

/**
 * One line per event: `12:00:01 memory:set key=greeting namespace=default created=true`. Object
 * payloads show their fields as key=value (`key` first, null fields left out); other payloads as JSON.
 */
export function formatEvent(event: ConsoleEvent): string {
  const head = `${clockTime(event.timestamp)} ${event.eventType}`;
  const { payload } = event;
  if (payload === null || payload === undefined) return head;
  if (typeof payload !== 'object' || Array.isArray(payload)) return `${head} ${shortValue(payload)}`;
  const entries = Object.entries(payload as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
  entries.sort(([a], [b]) => (a === 'key' ? -1 : b === 'key' ? 1 : 0));
  return [head, ...entries.map(([k, v]) => `${k}=${shortValue(v)}`)].join(' ');
}
