/**
 * REST routes of the kernel's own procedures (modules and databases), in the seed's
 * `/api/{module}/{resource}/{action}` shape with `kernel` as the module. The daemon's REST door
 * (src/daemon/rest.ts) serves these tables; they are plain data, so nothing here touches HTTP.
 */

/**
 * One REST route: an HTTP method and path mapped onto a procedure of the AppRouter. The REST door
 * calls that procedure in process, so REST and tRPC share validation, operations and errors.
 *
 * Lives in the kernel (not the daemon) so module route tables can name it without importing the
 * HTTP layer.
 */
export interface RestRoute {
  /** GET routes must name queries; POST and DELETE may name queries or mutations. */
  method: 'GET' | 'POST' | 'DELETE';
  /**
   * The path, `/api/{module}/{resource}/{action}`; a `{name}` segment is a path parameter that
   * becomes the input field of the same name (which the procedure's input schema must declare).
   */
  path: string;
  /** Dotted path of the procedure in the AppRouter, e.g. `memory.get`. Unknown names fail at startup. */
  procedure: string;
  /** One line for the OpenAPI document and docs/rest.md. */
  summary: string;
  /** Longer prose for the OpenAPI document. */
  description?: string;
}

export const adminRoutes: RestRoute[] = [
  {
    method: 'GET',
    path: '/api/kernel/module/list',
    procedure: 'module.list',
    summary: 'List built-in and external modules with their states',
  },
  {
    method: 'GET',
    path: '/api/kernel/module/info',
    procedure: 'module.info',
    summary: "One module's details and health (query: name)",
  },
  {
    method: 'POST',
    path: '/api/kernel/module/reload',
    procedure: 'module.reload',
    summary: 'Reload an external module from its folder',
    description: 'Built-in modules cannot be reloaded (INVALID_INPUT); a missing folder is NOT_FOUND.',
  },
  {
    method: 'GET',
    path: '/api/kernel/db/status',
    procedure: 'db.status',
    summary: "Every module database's size, journal and checkpoint",
  },
  {
    method: 'GET',
    path: '/api/kernel/db/check',
    procedure: 'db.check',
    summary: 'Integrity check of every module database (read-only)',
  },
  {
    method: 'POST',
    path: '/api/kernel/db/checkpoint',
    procedure: 'db.checkpoint',
    summary: 'Fold the journals into the database files now',
  },
  {
    method: 'POST',
    path: '/api/kernel/db/backup',
    procedure: 'db.backup',
    summary: 'Write a consistent copy of every database into a folder on the daemon host',
    description: 'The folder is resolved on the daemon host; a non-empty folder is CONFLICT unless force is true.',
  },
];
