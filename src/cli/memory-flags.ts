import { Flags } from '@oclif/core';
import { RaosError } from '../kernel/errors.js';

/** --namespace and --scope, shared by the memory commands. */
export const addressFlags = {
  namespace: Flags.string({ char: 'n', summary: 'Namespace of the key.', default: 'default' }),
  scope: Flags.string({ char: 's', summary: "Scope: 'global', 'user:<id>' or 'session:<id>'.", default: 'global' }),
};

/** VALUE is JSON when it parses as JSON, else the text itself; `--string` keeps it as text. */
export function parseValue(text: string, asString: boolean): unknown {
  if (asString) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new RaosError('INVALID_INPUT', 'value: "-" reads the value from standard input, but standard input is a terminal', {
      hint: 'Pipe the value in: echo \'{"a":1}\' | raos memory set KEY -',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
