/**
 * The OpenAPI 3.1 document of the REST door, generated from the same route tables and zod input
 * schemas the door serves (src/daemon/rest.ts), so the document cannot drift from the routes.
 * The daemon serves it at `/api/openapi.json`.
 */
import { appRouter } from '../app.js';
import type { RestRoute } from '../kernel/admin/rest.js';
import { ERROR_CODES, type ErrorCode } from '../kernel/errors.js';
import { compileRoutes, objectShape, type CompiledRoute, type JsonSchema, type RouterLike } from './rest.js';

export interface OpenApiOptions {
  routes: readonly RestRoute[];
  /** The raos version, for `info.version`. */
  version: string;
  /** Default: appRouter. */
  router?: RouterLike;
}

type Operation = Record<string, unknown>;

const TOO_LARGE = 413;

/** HTTP status → the raos codes that answer with it (413 is the door's own, for oversized bodies). */
function errorStatuses(): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const [code, { http }] of Object.entries(ERROR_CODES) as [ErrorCode, { http: number }][]) {
    byStatus.set(http, [...(byStatus.get(http) ?? []), code]);
  }
  byStatus.set(TOO_LARGE, ['INVALID_INPUT']);
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/**
 * Moves each schema's `$defs` (zod's recursive parts, such as the JSON value of `memory.set`) into
 * `components.schemas`, rewriting `#/$defs/X` references; identical definitions are shared.
 */
class DefHoister {
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly byContent = new Map<string, string>();

  hoist(schema: JsonSchema, owner: string): JsonSchema {
    const { $defs, ...rest } = schema as { $defs?: Record<string, JsonSchema> };
    if (!$defs) return rest;
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries($defs)) {
      const content = JSON.stringify(def);
      let target = this.byContent.get(content);
      if (!target) {
        target = `${owner}.${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
        this.byContent.set(content, target);
      }
      renamed.set(name, target);
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          const local = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? renamed.get(v.slice(8)) : undefined;
          out[k] = local ? `#/components/schemas/${local}` : rewrite(v);
        }
        return out;
      }
      return value;
    };
    for (const [name, def] of Object.entries($defs)) {
      const target = renamed.get(name)!;
      if (!this.schemas[target]) this.schemas[target] = rewrite(def) as JsonSchema;
    }
    return rewrite(rest) as JsonSchema;
  }
}

/** operationIds: the procedure name for its first route, then `memory.get.byKey` style for the others. */
function operationIds(compiled: CompiledRoute[]): string[] {
  const used = new Set<string>();
  return compiled.map(({ route, params }) => {
    const candidates = [
      route.procedure,
      `${route.procedure}.by${params.map((p) => p[0].toUpperCase() + p.slice(1)).join('And')}`,
      `${route.procedure}.${route.method.toLowerCase()}`,
    ];
    let id = candidates.find((c) => !used.has(c)) ?? route.procedure;
    for (let n = 2; used.has(id); n++) id = `${route.procedure}.${n}`;
    used.add(id);
    return id;
  });
}

/** Builds the document. Throws, like the REST handler, when a route names an unknown procedure. */
export function openApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const compiled = compileRoutes(options.routes, options.router ?? appRouter);
  const hoister = new DefHoister();
  const statuses = errorStatuses();
  const ids = operationIds(compiled);
  const paths: Record<string, Record<string, Operation>> = {};
  const tags = new Set<string>();

  compiled.forEach((c, i) => {
    const { route, params } = c;
    const tag = route.path.split('/')[2] ?? 'api';
    tags.add(tag);
    const schema = hoister.hoist(c.inputSchema, c.route.procedure);
    const { properties, required } = objectShape(schema);

    const parameters: Record<string, unknown>[] = params.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: properties[name] ?? { type: 'string' },
      ...(properties[name]?.description ? { description: properties[name].description } : {}),
    }));

    const operation: Operation = {
      operationId: ids[i],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [tag],
      'x-raos-procedure': route.procedure,
    };

    if (route.method === 'POST') {
      const bodyProps = Object.fromEntries(Object.entries(properties).filter(([name]) => !params.includes(name)));
      const bodyRequired = required.filter((name) => !params.includes(name));
      const bodySchema = params.length === 0 ? schema : { ...schema, properties: bodyProps, required: bodyRequired };
      operation.requestBody = {
        required: bodyRequired.length > 0,
        content: { 'application/json': { schema: bodySchema } },
      };
    } else {
      for (const [name, prop] of Object.entries(properties)) {
        if (params.includes(name)) continue;
        const base = {
          name,
          in: 'query',
          required: required.includes(name),
          ...(prop.description ? { description: prop.description } : {}),
        };
        // Objects travel as URL-encoded JSON; everything else as plain values (arrays repeat the name).
        parameters.push(prop.type === 'object' ? { ...base, content: { 'application/json': { schema: prop } } } : { ...base, schema: prop });
      }
    }
    if (parameters.length > 0) operation.parameters = parameters;

    const responses: Record<string, unknown> = {
      '200': {
        description: `${route.procedure} succeeded; \`data\` is its result`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/SuccessEnvelope' } } },
      },
    };
    for (const status of statuses.keys()) {
      if (status === TOO_LARGE && route.method !== 'POST') continue;
      responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
    }
    operation.responses = responses;

    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  });

  const responses: Record<string, unknown> = {};
  for (const [status, codes] of statuses) {
    responses[`Error${status}`] = {
      description:
        status === TOO_LARGE
          ? 'The request body is larger than the limit (INVALID_INPUT).'
          : codes.map((code) => `${code}: ${ERROR_CODES[code].summary}`).join(' '),
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/ErrorEnvelope' },
              { type: 'object', properties: { errorCode: { enum: codes } } },
            ],
          },
        },
      },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'raos REST API',
      version: options.version,
      description:
        'The REST door of the raos daemon. Every route calls the same procedure as the tRPC door (`/trpc`) and answers ' +
        'in the envelope `{ success, message, data, timestamp }`, or `{ success: false, message, errorCode, hint?, timestamp }` ' +
        'with the HTTP status of the error code. GET and DELETE take their input from the query string, POST from a JSON body.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { tokenQuery: [] }],
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'The owner token from the file `raos daemon status` names.',
        },
        tokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token as a query parameter.' },
      },
      schemas: {
        ErrorCode: { type: 'string', enum: Object.keys(ERROR_CODES) },
        SuccessEnvelope: {
          type: 'object',
          required: ['success', 'message', 'data', 'timestamp'],
          properties: {
            success: { const: true },
            message: { type: 'string', examples: ['memory.get succeeded'] },
            data: { description: "The procedure's result." },
            timestamp: { type: 'string', format: 'date-time' },
          },
        },
        ErrorEnvelope: {
          type: 'object',
          required: ['success', 'message', 'errorCode', 'timestamp'],
          properties: {
            success: { const: false },
            message: { type: 'string', description: 'What went wrong, naming the field for invalid input.' },
            errorCode: { $ref: '#/components/schemas/ErrorCode' },
            hint: { type: 'string', description: 'How to fix it, when there is a fix to suggest.' },
            timestamp: { type: 'string', format: 'date-time' },
          },
        },
        ...hoister.schemas,
      },
      responses,
    },
  };
}
