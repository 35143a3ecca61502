import type { Migration } from '../../kernel/module.js';

/**
 * game.db: scenes, their entities (a hierarchy with local transforms and typed components) and their
 * chat rooms. Runs on sql.js and PostgreSQL alike: ids and times are made in TypeScript, vectors are
 * plain real columns, components a JSON text column validated by the component registry.
 */
export const migrations: Migration[] = [
  {
    id: '0001_game',
    async up(db) {
      await db.schema
        .createTable('scenes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text', (c) => c.notNull())
        .addColumn('owner_name', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('entities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('scene_id', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('px', 'real', (c) => c.notNull())
        .addColumn('py', 'real', (c) => c.notNull())
        .addColumn('pz', 'real', (c) => c.notNull())
        .addColumn('rx', 'real', (c) => c.notNull())
        .addColumn('ry', 'real', (c) => c.notNull())
        .addColumn('rz', 'real', (c) => c.notNull())
        .addColumn('sx', 'real', (c) => c.notNull())
        .addColumn('sy', 'real', (c) => c.notNull())
        .addColumn('sz', 'real', (c) => c.notNull())
        .addColumn('components', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('entities_scene').on('entities').column('scene_id').execute();
      await db.schema.createIndex('entities_parent').on('entities').column('parent_id').execute();
      await db.schema
        .createTable('chat_rooms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('scene_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('next_seq', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('chat_rooms_scene_name').on('chat_rooms').columns(['scene_id', 'name']).unique().execute();
      await db.schema
        .createTable('chat_messages')
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('author_name', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_messages_pk', ['room_id', 'seq'])
        .execute();
    },
  },
];

export interface GameTables {
  scenes: {
    id: string;
    name: string;
    name_key: string;
    description: string;
    owner_id: string;
    owner_name: string;
    metadata: string;
    created_at: string;
    updated_at: string;
  };
  entities: {
    id: string;
    scene_id: string;
    parent_id: string | null;
    name: string;
    px: number;
    py: number;
    pz: number;
    rx: number;
    ry: number;
    rz: number;
    sx: number;
    sy: number;
    sz: number;
    components: string;
    version: number;
    created_at: string;
    updated_at: string;
  };
  chat_rooms: {
    id: string;
    scene_id: string;
    name: string;
    kind: string;
    created_by: string;
    created_at: string;
    next_seq: number;
  };
  chat_messages: {
    room_id: string;
    seq: number;
    author_id: string;
    author_name: string;
    text: string;
    at: string;
  };
}
