/**
 * `raos <module> <command> [args...]` for external modules: oclif finds no such command, so this hook
 * looks the first word up among the workspace's modules and calls its process().
 */
import type { Hook } from '@oclif/core';
import { connect, parseOverrides } from '../cli/connect.js';
import { argvWantsJson, reportError, writeJson } from '../cli/output.js';
import { RaosError } from '../kernel/errors.js';

const GLOBAL_VALUE_FLAGS = new Set(['--workspace', '-w', '--config', '-c']);

const hook: Hook<'command_not_found'> = async function (opts) {
  const words = opts.id.split(':');
  const argv = [...words.slice(1), ...(opts.argv ?? [])];
  const json = argvWantsJson(argv);
  let workspace: string | undefined;
  const config: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') continue;
    const [flag, inline] = a.includes('=') && a.startsWith('-') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (GLOBAL_VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++i];
      if (flag === '--workspace' || flag === '-w') workspace = value;
      else config.push(value);
      continue;
    }
    rest.push(a);
  }
  const [moduleName] = words;
  const [command, ...args] = rest;
  let connection;
  try {
    // `raos memory sett`: a typo inside one of our own topics, not an external module.
    if (this.config.findTopic(moduleName)) {
      const typed = [moduleName, ...rest.slice(0, 1)].join(' ');
      throw new RaosError('NOT_FOUND', `'${typed}' is not a raos command`, {
        hint: `Run \`raos ${moduleName} --help\` to see the ${moduleName} commands.`,
      });
    }
    try {
      connection = await connect({ workspace, overrides: parseOverrides(config), access: 'write', purpose: `raos ${moduleName}` });
    } catch (err) {
      if (err instanceof RaosError && err.code === 'WORKSPACE_NOT_FOUND') {
        throw new RaosError('NOT_FOUND', `'${moduleName}' is not a raos command, and there is no workspace to look for an external module of that name`, {
          hint: 'Run `raos --help` for the commands; external modules live in <workspace>/modules/ (see `raos init`).',
        });
      }
      throw err;
    }
    const { modules } = await connection.client.module.list();
    const known = modules.find((m) => m.name === moduleName && m.kind === 'external');
    if (!known) {
      throw new RaosError('NOT_FOUND', `'${moduleName}' is not a raos command or an external module`, {
        hint: 'Run `raos --help` for the commands, and `raos module list` for the modules of this workspace.',
      });
    }
    if (!command) {
      throw new RaosError('INVALID_INPUT', `command: missing; usage: raos ${moduleName} <command> [args...]`, {
        hint: `Run \`raos module info ${moduleName}\` to see the module.`,
      });
    }
    const out = await connection.client.module.process({ name: moduleName, command, args });
    if (json) writeJson(out.result);
    else if (out.result !== null) process.stdout.write((typeof out.result === 'string' ? out.result : JSON.stringify(out.result, null, 2)) + '\n');
    await connection.close();
    connection = undefined;
  } catch (err) {
    reportError(err, json);
  } finally {
    await connection?.close().catch(() => {});
  }
};

export default hook;
