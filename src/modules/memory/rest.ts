/**
 * REST routes of the Memory module. Plain data: the daemon's REST door maps each onto the memory
 * procedure named here and calls it in process, so REST validates and fails exactly like tRPC and
 * the CLI.
 */
import type { RestRoute } from '../../kernel/admin/rest.js';

const address = 'namespace (default `default`) and scope (default `global`) are optional.';

export const memoryRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/api/memory/entry/get',
    procedure: 'memory.get',
    summary: 'Read one entry (query: key, namespace, scope)',
    description: `A missing or expired key is NOT_FOUND; ${address}`,
  },
  {
    method: 'GET',
    path: '/api/memory/entry/list',
    procedure: 'memory.list',
    summary: 'List entries by namespace, scope, prefix or glob pattern',
    description: 'Give prefix or pattern, not both. At most `limit` items (default 1000); `truncated` says when more exist.',
  },
  {
    method: 'POST',
    path: '/api/memory/entry/set',
    procedure: 'memory.set',
    summary: 'Write one entry (JSON body: key, value, ttlMs?, ifAbsent?)',
    description: `value is any JSON value. With ifAbsent true an existing key is CONFLICT. ${address}`,
  },
  {
    method: 'POST',
    path: '/api/memory/entry/delete',
    procedure: 'memory.delete',
    summary: 'Delete one entry (JSON body: key, namespace?, scope?, force?)',
    description: 'A missing key is NOT_FOUND unless force is true (then `deleted` is false).',
  },
  {
    method: 'GET',
    path: '/api/memory/entry/{key}',
    procedure: 'memory.get',
    summary: 'Read one entry by key in the path',
    description: `Percent-encode the key (a slash is %2F). The action names above win over keys: read a key named \`get\` or \`list\` with /api/memory/entry/get?key=... ${address}`,
  },
  {
    method: 'DELETE',
    path: '/api/memory/entry/{key}',
    procedure: 'memory.delete',
    summary: 'Delete one entry by key in the path',
    description: `Percent-encode the key. force=true in the query makes a missing key succeed with deleted false. ${address}`,
  },
];
