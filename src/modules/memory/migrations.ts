import type { Migration } from '../../kernel/module.js';

/** memory.db. The seed's Memory table, plus scope and expiry. Runs on sql.js and PostgreSQL alike. */
export const migrations: Migration[] = [
  {
    id: '0001_entries',
    async up(db) {
      await db.schema
        .createTable('entries')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addPrimaryKeyConstraint('entries_pk', ['scope', 'namespace', 'key'])
        .execute();
      await db.schema.createIndex('entries_expires_at').on('entries').column('expires_at').execute();
    },
  },
];

export interface MemoryTables {
  entries: {
    scope: string;
    namespace: string;
    key: string;
    value: string;
    created_at: string;
    updated_at: string;
    expires_at: number | null;
  };
}
