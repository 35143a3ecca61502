import type { BuiltinModule } from '../../kernel/kernel.js';
import { parseDuration } from '../../kernel/config.js';
import { migrations, type AuthTables } from './migrations.js';
import type { AuthService } from './service.js';

/** Users, passwords, login sessions, API tokens and custom roles; checks the token of every daemon request. */
export const authModule: BuiltinModule<AuthService> = {
  name: 'auth',
  version: '1.0.0',
  description: 'Users, login sessions, API tokens and roles: who may do what (PBKDF2 passwords, hashed tokens, login lockout)',
  commands: [
    'auth login',
    'auth logout',
    'auth whoami',
    'auth user create',
    'auth user list',
    'auth user show',
    'auth user update',
    'auth user disable',
    'auth user enable',
    'auth user delete',
    'auth token create',
    'auth token list',
    'auth token revoke',
    'auth roles',
    'auth role create',
    'auth role delete',
    'auth permissions',
  ],
  migrations,
  // The service loads on the module's first use: commands of other modules need not parse it.
  async setup(ctx) {
    const [store, { AuthService }] = await Promise.all([ctx.openStore<AuthTables>(), import('./service.js')]);
    const { sessionTtl, passwordIterations, maxLoginAttempts, lockTime } = ctx.config.auth;
    return new AuthService({
      store,
      now: ctx.now,
      log: ctx.log,
      options: {
        sessionTtlMs: parseDuration(sessionTtl, 'auth.sessionTtl'),
        passwordIterations,
        maxLoginAttempts,
        lockTimeMs: parseDuration(lockTime, 'auth.lockTime'),
      },
    });
  },
};
