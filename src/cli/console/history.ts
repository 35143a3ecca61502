/**
 * The console's command history: `<dataDir>/console_history`, one line per command, oldest first,
 * the last HISTORY_LIMIT lines kept.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** How many lines the history file keeps. */
export const HISTORY_LIMIT = 500;

export const historyFile = (dataDir: string) => join(dataDir, 'console_history');

export function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_LIMIT);
  } catch {
    return [];
  }
}

/** Adds `line` unless it repeats the previous one; returns the new list (at most HISTORY_LIMIT lines). */
export function appendHistory(history: readonly string[], line: string): string[] {
  const trimmed = line.trim();
  if (trimmed === '' || history[history.length - 1] === trimmed) return [...history];
  return [...history, trimmed].slice(-HISTORY_LIMIT);
}

/**
 * Rewrites the file (it is small). A history that cannot be saved (read-only workspace) is not worth
 * interrupting the console for, so failures are ignored.
 */
export function writeHistory(file: string, history: readonly string[]): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, history.slice(-HISTORY_LIMIT).join('\n') + '\n', { mode: 0o600 });
  } catch {
    /* best effort */
  }
}
