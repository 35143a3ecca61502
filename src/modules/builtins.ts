/**
 * The built-in modules, in the order the kernel starts them. Their definitions are light (services
 * load in `setup`); their routers are put together in src/app.ts.
 */
import type { BuiltinModule } from '../kernel/kernel.js';
import { authModule } from './auth/index.js';
import { cmsModule } from './cms/index.js';
import { gameModule } from './game/index.js';
import { memoryModule } from './memory/index.js';

export const builtinModules: BuiltinModule<any>[] = [authModule, memoryModule, gameModule, cmsModule];
