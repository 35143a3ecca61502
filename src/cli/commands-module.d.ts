/** The command table src/cli/bundle.ts re-exports; tsup.config.ts generates it from src/commands. */
declare module 'raos:commands' {
  import type { Command } from '@oclif/core';

  export const commands: Record<string, Command.Class>;
}
