/**
 * REST routes of the Auth module and the audit trail. Plain data: the daemon's REST door maps each
 * onto the operation named here, through the same guard as every other door.
 */
import type { RestRoute } from '../../kernel/admin/rest.js';

export const authRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/api/auth/session/login',
    procedure: 'auth.login',
    summary: 'Log in (JSON body: name, password); answers { token, expiresAt, user }',
    description:
      'The only route callable without a token. Wrong names and wrong passwords fail alike (UNAUTHORIZED); repeated failures slow down and then lock the account for auth.lockTime (RATE_LIMITED with Retry-After).',
  },
  { method: 'POST', path: '/api/auth/session/logout', procedure: 'auth.logout', summary: 'Revoke the token of this request (or the one in the body: token)' },
  { method: 'GET', path: '/api/auth/session/whoami', procedure: 'auth.whoami', summary: 'The actor of this request: name, role, permissions' },
  { method: 'GET', path: '/api/auth/user/list', procedure: 'auth.user.list', summary: 'List users (query: role, disabled)' },
  { method: 'POST', path: '/api/auth/user/create', procedure: 'auth.user.create', summary: 'Create a user (JSON body: name, role, email?, password?)' },
  { method: 'POST', path: '/api/auth/user/update', procedure: 'auth.user.update', summary: 'Change role, email or password (JSON body: name, ...)' },
  { method: 'POST', path: '/api/auth/user/disable', procedure: 'auth.user.disable', summary: "Disable a user and revoke their tokens (JSON body: name, reason?)" },
  { method: 'POST', path: '/api/auth/user/enable', procedure: 'auth.user.enable', summary: 'Enable a disabled or locked user (JSON body: name)' },
  { method: 'GET', path: '/api/auth/user/{name}', procedure: 'auth.user.show', summary: 'One user' },
  { method: 'DELETE', path: '/api/auth/user/{name}', procedure: 'auth.user.delete', summary: 'Delete a user and their tokens' },
  {
    method: 'POST',
    path: '/api/auth/token/create',
    procedure: 'auth.token.create',
    summary: 'Create an API token (JSON body: name, expires?, role?, user?); the token is shown once',
  },
  { method: 'GET', path: '/api/auth/token/list', procedure: 'auth.token.list', summary: 'Your tokens, or every token with all=true' },
  { method: 'POST', path: '/api/auth/token/revoke', procedure: 'auth.token.revoke', summary: 'Revoke a token by id (JSON body: id)' },
  { method: 'GET', path: '/api/auth/role/list', procedure: 'auth.role.list', summary: 'Roles with their permissions' },
  { method: 'POST', path: '/api/auth/role/create', procedure: 'auth.role.create', summary: 'Create a custom role (JSON body: name, inherits, grant[], description?)' },
  { method: 'DELETE', path: '/api/auth/role/{name}', procedure: 'auth.role.delete', summary: 'Delete a custom role nobody uses' },
  { method: 'GET', path: '/api/auth/permission/list', procedure: 'auth.permission.list', summary: 'Every permission with its module and lowest role' },
  {
    method: 'GET',
    path: '/api/audit/entry/list',
    procedure: 'audit.list',
    summary: 'The audit trail, newest first (query: actor, action, outcome, since, limit)',
    description: 'Append-only: there is no route that edits or deletes entries.',
  },
];
