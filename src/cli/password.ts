/**
 * Reading a password: from standard input with --password-stdin (scripts, CI), else with a hidden
 * prompt when a terminal is attached. Never from a flag or an argument, where it would land in shell
 * history and `ps` output.
 */
import { Flags } from '@oclif/core';
import { RaosError } from '../kernel/errors.js';
import { importEsm } from '../kernel/import-esm.js';

export const passwordFlags = {
  'password-stdin': Flags.boolean({ summary: 'Read the password from standard input (the first line).' }),
};

async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
}

/** A prompt that does not echo what is typed. */
async function prompt(question: string): Promise<string> {
  const { createInterface } = await importEsm<typeof import('node:readline')>('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput(text: string): void };
  let asked = false;
  out._writeToOutput = (text: string) => {
    // Echo the question once, then nothing of what is typed.
    if (!asked) {
      process.stderr.write(text);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/**
 * The password, or undefined when none was asked for and `required` is false. With neither
 * --password-stdin nor a terminal, a required password is INVALID_INPUT saying how to pass one.
 */
export async function readPassword(options: { stdin?: boolean; required: boolean; question?: string }): Promise<string | undefined> {
  if (options.stdin) {
    if (process.stdin.isTTY) {
      throw new RaosError('INVALID_INPUT', 'password: --password-stdin reads standard input, but it is a terminal', {
        hint: "Pipe the password in: printf '%s\\n' \"$PASSWORD\" | raos ... --password-stdin",
      });
    }
    const password = await readFirstLine();
    if (!password) throw new RaosError('INVALID_INPUT', 'password: standard input was empty', { hint: 'Pipe a password of 8 characters or more.' });
    return password;
  }
  if (!options.required) return undefined;
  if (!process.stdin.isTTY) {
    throw new RaosError('INVALID_INPUT', 'password: required, and standard input is not a terminal to ask on', {
      hint: "Pass it on standard input: printf '%s\\n' \"$PASSWORD\" | raos ... --password-stdin",
    });
  }
  return prompt(options.question ?? 'Password: ');
}
