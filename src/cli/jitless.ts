/**
 * A one-shot command parses each schema once or twice: compiling zod's fast paths (new Function)
 * costs more than it saves. zod reads this setting when a schema is built, not when it parses, so the
 * CLI bundle imports this module before anything that builds schemas (src/cli/bundle.ts).
 * Long-running hosts (the daemon) keep the default.
 */
import * as z from 'zod';

z.config({ jitless: true });
