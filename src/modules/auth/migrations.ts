import type { Migration } from '../../kernel/module.js';

/**
 * auth.db: users, their tokens, and custom roles. Runs on sql.js and PostgreSQL alike: text and
 * integer columns only (booleans as 0/1, times compared with the clock as epoch milliseconds in
 * bigint columns, record-keeping times as ISO text), and no SQL defaults that depend on when a row
 * is written: ids and times come from TypeScript.
 */
export const migrations: Migration[] = [
  {
    id: '0001_auth',
    async up(db) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        /** Lower-case; unique. */
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text')
        /** The role's name as the role table spells it. */
        .addColumn('role', 'text', (c) => c.notNull())
        /** `pbkdf2-sha256$...`, or null for a user that signs in with API tokens only. */
        .addColumn('password_hash', 'text')
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled_reason', 'text')
        .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'bigint')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text')
        .execute();
      await db.schema.createIndex('users_role').on('users').column('role').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        /** SHA-256 of the secret, hex. The token itself is never stored. */
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        /** `session` (from login) or `api`. */
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        /** Null: issued by the workspace owner, belonging to no user. */
        .addColumn('user_id', 'text')
        /** A narrower role than the user's, or null to follow the user's role. */
        .addColumn('role', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('tokens_user_id').on('tokens').column('user_id').execute();
      await db.schema.createIndex('tokens_expires_at').on('tokens').column('expires_at').execute();
      await db.schema.createIndex('tokens_revoked_at').on('tokens').column('revoked_at').execute();

      await db.schema
        .createTable('roles')
        /** Lower-case name: role names are unique regardless of case. */
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('inherits', 'text', (c) => c.notNull())
        /** JSON array of permission names. */
        .addColumn('grants', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
];

export interface AuthTables {
  users: {
    id: string;
    name: string;
    email: string | null;
    role: string;
    password_hash: string | null;
    disabled: number;
    disabled_reason: string | null;
    failed_logins: number;
    locked_until: number | null;
    created_at: string;
    updated_at: string;
    last_login_at: string | null;
  };
  tokens: {
    id: string;
    secret_hash: string;
    kind: 'session' | 'api';
    name: string;
    user_id: string | null;
    role: string | null;
    created_at: string;
    expires_at: number | null;
    revoked_at: number | null;
  };
  roles: {
    key: string;
    name: string;
    inherits: string;
    grants: string;
    description: string | null;
    created_at: string;
  };
}
