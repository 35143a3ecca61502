/**
 * How results and errors reach the user. With --json, stdout carries exactly one JSON value (errors too:
 * `{ "error": { "code", "message", "hint"? } }`); otherwise errors go to stderr with the hint that fixes them.
 */
import { RaosError, toRaosError } from '../kernel/errors.js';

/** oclif's parser errors (missing argument, unknown flag, bad option) are input errors. */
export function cliError(err: unknown): RaosError {
  if (err instanceof Error && 'oclif' in err) {
    const oclif = (err as { oclif?: { exit?: number } }).oclif;
    const message = err.message
      .split('\n')
      .filter((l) => !/^\s*See more help with/.test(l))
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    if (oclif?.exit === 2 || /Parse|Flag|Arg|Option/i.test(err.constructor?.name ?? '')) {
      return new RaosError('INVALID_INPUT', message, { hint: 'Run the command with --help to see its arguments and flags.', cause: err });
    }
  }
  return toRaosError(err);
}

export function writeJson(value: unknown, stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(JSON.stringify(value, null, 2) + '\n');
}

/** Prints an error the way the user asked for output, sets the exit code, and returns it. */
export function reportError(err: unknown, json: boolean): RaosError {
  const error = cliError(err);
  if (json) {
    writeJson({ error: error.toJSON() });
  } else {
    let text = `Error [${error.code}]: ${error.message}\n`;
    if (error.hint) text += `Hint: ${error.hint}\n`;
    if (error.code === 'INTERNAL' && process.env.RAOS_DEBUG && error.cause instanceof Error) text += `${error.cause.stack}\n`;
    process.stderr.write(text);
  }
  process.exitCode = error.exitCode;
  return error;
}

export function argvWantsJson(argv: readonly string[]): boolean {
  const stop = argv.indexOf('--');
  const i = argv.indexOf('--json');
  return i !== -1 && (stop === -1 || i < stop);
}

/** Left-aligned columns, two spaces apart; long cells are cut with an ellipsis. */
export function table(rows: Record<string, string>[], columns: { key: string; label: string; max?: number }[]): string {
  const cut = (s: string, max?: number) => (max && s.length > max ? s.slice(0, max - 1) + '…' : s);
  const cells = rows.map((r) => columns.map((c) => cut((r[c.key] ?? '').replace(/\s+/g, ' '), c.max)));
  const widths = columns.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.label.toUpperCase())), ...cells.map(line)].join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
