/** How users and tokens print for people (commands return the objects for --json). */
import type { TokenView, UserView } from '../modules/auth/schema.js';
import { table } from './output.js';

export function userTable(users: UserView[]): string {
  if (users.length === 0) return '(no users)';
  return table(
    users.map((u) => ({
      name: u.name,
      role: u.role,
      email: u.email ?? '',
      state: u.disabled ? `disabled${u.disabledReason ? `: ${u.disabledReason}` : ''}` : u.lockedUntil ? `locked until ${u.lockedUntil}` : 'active',
      lastLogin: u.lastLoginAt ?? 'never',
    })),
    [
      { key: 'name', label: 'name' },
      { key: 'role', label: 'role' },
      { key: 'email', label: 'email', max: 40 },
      { key: 'state', label: 'state', max: 60 },
      { key: 'lastLogin', label: 'last login' },
    ],
  );
}

export function userDetails(u: UserView): string {
  return [
    `name:        ${u.name}`,
    `id:          ${u.id}`,
    `role:        ${u.role}`,
    `email:       ${u.email ?? '(none)'}`,
    `state:       ${u.disabled ? `disabled${u.disabledReason ? ` (${u.disabledReason})` : ''}` : 'active'}`,
    ...(u.lockedUntil ? [`locked until ${u.lockedUntil} after failed logins`] : []),
    `created:     ${u.createdAt}`,
    `updated:     ${u.updatedAt}`,
    `last login:  ${u.lastLoginAt ?? 'never'}`,
  ].join('\n');
}

export function tokenTable(tokens: TokenView[]): string {
  if (tokens.length === 0) return '(no tokens)';
  return table(
    tokens.map((t) => ({
      id: t.id,
      name: t.name,
      kind: t.kind,
      user: t.user ?? '(owner)',
      role: t.role,
      expires: t.expiresAt ?? 'never',
      state: t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt && Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'active',
    })),
    [
      { key: 'id', label: 'id' },
      { key: 'name', label: 'name', max: 32 },
      { key: 'kind', label: 'kind' },
      { key: 'user', label: 'user' },
      { key: 'role', label: 'role' },
      { key: 'expires', label: 'expires' },
      { key: 'state', label: 'state' },
    ],
  );
}
