/**
 * The model provider against a stub OpenAI-compatible server on 127.0.0.1 (port 0): what it sends,
 * which answers it accepts, and how each failure is reported.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openaiProvider, parseAnswer, systemPrompt, type OpenAIProviderOptions } from '../../../../src/modules/game/generate/openai.js';
import { rulesProvider } from '../../../../src/modules/game/generate/rules.js';
import { refusal } from '../../../helpers.js';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let handler: (req: Received, res: ServerResponse) => void = () => {};
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const request: Received = { method: req.method, url: req.url, headers: req.headers, body: raw ? JSON.parse(raw) : {} };
      received.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterEach(() => {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  received = [];
  server.closeAllConnections();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const PROMPT = 'a dark dungeon with three dragons guarding a treasure chest';
const PLAN = rulesProvider(PROMPT, 1);

function answer(content: unknown, status = 200) {
  handler = (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
  };
}

const options = (extra: Partial<OpenAIProviderOptions> = {}): OpenAIProviderOptions => ({
  baseUrl,
  model: 'llama3.1',
  timeoutMs: 5000,
  ...extra,
});


describe('openaiProvider', () => {
  it('sends the model, the JSON response format, the seed and the schema, and accepts a valid plan', async () => {
    answer(JSON.stringify(PLAN));
    const plan = await openaiProvider(PROMPT, 1234, options({ baseUrl: `${baseUrl}/` }));
    expect(plan).toEqual(PLAN);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toMatchObject({ model: 'llama3.1', response_format: { type: 'json_object' }, seed: 1234, temperature: 0.2 });
    const messages = request.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1].content).toBe(PROMPT);
    expect(messages[0].content).toContain('"prefixItems"'); // the JSON Schema of the plan
    expect(messages[0].content).toContain('XYZ order');
    expect(messages[0].content).toMatch(/- health: /);
  });

  it('sends the API key as a bearer token only when one is set', async () => {
    answer(JSON.stringify(PLAN));
    await openaiProvider(PROMPT, 1, options({ apiKey: 'sk-test-123' }));
    expect(received[0].headers.authorization).toBe('Bearer sk-test-123');
  });

  it('accepts an answer inside ``` fences', async () => {
    answer(`\`\`\`json\n${JSON.stringify(PLAN, null, 2)}\n\`\`\``);
    expect(await openaiProvider(PROMPT, 1, options())).toEqual(PLAN);
  });

  it('refuses an invalid plan as INVALID_INPUT naming the field', async () => {
    const bad = structuredClone(PLAN) as { entities: { kind: string }[] };
    bad.entities[2].kind = 'Fire Dragon!';
    answer(JSON.stringify(bad));
    const err = await refusal(openaiProvider(PROMPT, 1, options()));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/^the model's answer was not a valid world plan: entities\.2\.kind: /);
    expect(err.details).toMatchObject({ source: "the model's answer", field: 'entities.2.kind' });
  });

  it('refuses an answer that is not JSON as INVALID_INPUT', async () => {
    answer('Sure! Here is a spooky dungeon for you.');
    const err = await refusal(openaiProvider(PROMPT, 1, options()));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/^the model's answer was not a valid world plan: it is not JSON/);
  });

  it('reports a 500 as UNAVAILABLE naming the URL with a config hint, never the key', async () => {
    handler = (req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`model crashed while serving ${String(req.headers.authorization)}`);
    };
    const err = await refusal(openaiProvider(PROMPT, 1, options({ apiKey: 'sk-secret-999' })));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(`${baseUrl}/chat/completions`);
    expect(err.message).toMatch(/HTTP 500/);
    expect(JSON.stringify(err.toJSON())).not.toContain('sk-secret-999');
    expect(err.hint).toMatch(/game\.openai\.baseUrl/);
    expect(err.hint).toMatch(/game\.openai\.model/);
    expect(err.hint).toMatch(/game\.openai\.apiKey/);
  });

  it('gives up after timeoutMs as UNAVAILABLE, quickly', async () => {
    handler = (_req, res) => {
      timers.add(setTimeout(() => res.end('{}'), 10_000));
    };
    const started = Date.now();
    const err = await refusal(openaiProvider(PROMPT, 1, options({ timeoutMs: 200 })));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/did not answer within 200 ms/);
    expect(err.message).toContain(baseUrl);
  });

  it('reports an endpoint nobody listens on as UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await refusal(openaiProvider(PROMPT, 1, options({ baseUrl: `http://127.0.0.1:${port}/v1` })));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(new RegExp(`could not reach the model at http://127\\.0\\.0\\.1:${port}/v1/chat/completions`));
  });

  it('reports an answer that is not an OpenAI chat completion as UNAVAILABLE', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [] }));
    };
    expect((await refusal(openaiProvider(PROMPT, 1, options()))).message).toMatch(/no choices\[0\]\.message\.content/);
  });

  it('uses the fetch it is given', async () => {
    const calls: string[] = [];
    const fakeFetch = (async (url: string) => {
      calls.push(url);
      return new Response(JSON.stringify({ choices: [{ message: { content: JSON.stringify(PLAN) } }] }), { status: 200 });
    }) as unknown as typeof fetch;
    expect(await openaiProvider(PROMPT, 1, options({ baseUrl: 'http://model.invalid/v1', fetch: fakeFetch }))).toEqual(PLAN);
    expect(calls).toEqual(['http://model.invalid/v1/chat/completions']);
  });
});

describe('parseAnswer and systemPrompt', () => {
  it('reads JSON bare, fenced, or after some thinking', () => {
    expect(parseAnswer('{"a":1}')).toEqual({ a: 1 });
    expect(parseAnswer('```\n{"a":1}\n```')).toEqual({ a: 1 });
    expect(parseAnswer('<think>hmm</think>\n{"a": {"b": 2}}')).toEqual({ a: { b: 2 } });
    expect(() => parseAnswer('no braces here')).toThrow(/not JSON/);
  });

  it('describes the component types it is given', () => {
    const prompt = systemPrompt([{ type: 'sparkle', description: 'Glitter' }]);
    expect(prompt).toContain('- sparkle: Glitter');
    expect(prompt).not.toMatch(/- health: /);
  });
});
