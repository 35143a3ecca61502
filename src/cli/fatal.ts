/**
 * Errors that escape a command (unknown command, a failure while closing) land here from bin/run.js,
 * so they are printed like every other error: JSON with --json, else a message and its hint.
 */
import { reportError, argvWantsJson } from './output.js';

export function handleFatal(err: unknown, argv: readonly string[]): void {
  const oclif = (err as { oclif?: { exit?: number } })?.oclif;
  if (oclif?.exit !== undefined && (err as Error).constructor?.name === 'ExitError') {
    process.exitCode = oclif.exit;
    return;
  }
  reportError(err, argvWantsJson(argv));
}
