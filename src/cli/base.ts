/**
 * The base of every raos command: the global flags, --json, connect(), and errors turned into
 * `{ error: { code, message } }` or a message with its hint, with the exit code of the error's code.
 */
import { Command, Flags, type Interfaces } from '@oclif/core';
import { connect, parseOverrides, resolveWorkspace, type Connection, type ConnectOptions, type ResolvedWorkspace } from './connect.js';
import { reportError, writeJson } from './output.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof RaosCommand)['baseFlags'] & T['flags']>;

export abstract class RaosCommand extends Command {
  static enableJsonFlag = true;

  static baseFlags = {
    workspace: Flags.string({
      char: 'w',
      summary: 'Workspace folder. Default: $RAOS_HOME, else the nearest folder upward with a raos.json.',
      helpGroup: 'GLOBAL',
    }),
    config: Flags.string({
      char: 'c',
      summary: 'Set a config value for this run only: -c storage.lockTimeoutMs=500 (repeatable).',
      multiple: true,
      helpGroup: 'GLOBAL',
    }),
    as: Flags.string({
      summary: 'Act as this user (the workspace owner only), to check what they may do. Acting as a token\'s user: set RAOS_TOKEN.',
      helpGroup: 'GLOBAL',
    }),
  };

  /** `write` commands take the workspace lock; `read` ones open databases read-only. */
  static access: 'read' | 'write' = 'read';

  #connection?: Connection;

  /** Resolves the workspace and its configuration without opening anything. */
  protected workspace(flags: { workspace?: string; config?: string[] }): ResolvedWorkspace {
    return resolveWorkspace({ workspace: flags.workspace, overrides: parseOverrides(flags.config) });
  }

  /** Connects to the operations (in process, or the daemon when it runs). Closed after the command. */
  protected async connect(flags: { workspace?: string; config?: string[]; as?: string }, extra: { progress?: ConnectOptions['progress'] } = {}): Promise<Connection> {
    const ctor = this.constructor as typeof RaosCommand;
    this.#connection = await connect({
      ...extra,
      workspace: flags.workspace,
      as: flags.as,
      overrides: parseOverrides(flags.config),
      access: ctor.access,
      purpose: `raos ${this.id?.replace(/:/g, ' ') ?? ''}`.trim(),
    });
    return this.#connection;
  }

  /** Prints one JSON value, for commands that print JSON in human mode too. */
  protected printJson(value: unknown): void {
    writeJson(value);
  }

  async catch(err: Error & { exitCode?: number }): Promise<void> {
    // this.exit() throws an ExitError: let oclif handle it.
    if ((err as { oclif?: { exit?: number } }).oclif?.exit !== undefined && err.constructor.name === 'ExitError') throw err;
    reportError(err, this.jsonEnabled());
  }

  async finally(err: Error | undefined): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) {
      try {
        await connection.close();
      } catch (closeErr) {
        // A failure while saving is the command's failure even if its work succeeded: throw it so the
        // result is not printed; bin/run.js reports it.
        if (!err) throw closeErr;
      }
    }
    await super.finally(err);
  }
}
