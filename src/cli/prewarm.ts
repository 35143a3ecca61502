/**
 * Started by bin/run.js before it loads the CLI: commands that open a database need sql.js, whose
 * wasm compiles on background threads. Starting it first lets that compile overlap with loading
 * oclif and the commands on the main thread, instead of following it.
 */
import { loadSqlJs } from '../kernel/storage/sqljs.js';

/** Topics whose commands never open a database. */
const NO_DATABASE = new Set(['init', 'config', 'help', 'daemon', '--help', '-h', '--version', '-v', 'version', 'autocomplete']);

export function prewarm(argv: readonly string[]): void {
  const first = argv.find((a) => !a.startsWith('-')) ?? argv[0];
  if (first === undefined || NO_DATABASE.has(first) || argv.includes('--help')) return;
  loadSqlJs(false).catch(() => {
    // The command that needs it reports the failure.
  });
}
