/**
 * The console's screen: ink and React. ink is an ES module with top-level await, which the CommonJS
 * CLI bundle (dist/cli.cjs) can neither contain nor require, so this file is an ES module of its own
 * (dist/cli/console/ui.js) that start.ts imports; everything that talks to raos stays in start.ts and
 * reaches the screen as props.
 */
import { render } from 'ink';
import { createElement } from 'react';
import { ConsoleApp, type ConsoleProps } from './app.js';

/** Shows the console until the user leaves it. */
export async function showConsole(props: ConsoleProps): Promise<void> {
  // The alternate screen: the console takes the whole terminal and gives the shell's screen back
  // untouched when it exits.
  process.stdout.write('\x1b[?1049h\x1b[H');
  try {
    const app = render(createElement(ConsoleApp, props), { exitOnCtrlC: false });
    await app.waitUntilExit();
  } finally {
    process.stdout.write('\x1b[?1049l');
  }
}
