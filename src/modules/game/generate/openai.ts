/**
 * The model provider: asks an OpenAI-compatible chat endpoint (OpenAI, Ollama's /v1, llama.cpp's
 * server, vLLM...) for a world plan, then checks the answer with the same schema as the rules
 * provider's plans. Nothing is written from an answer that fails the check.
 */
import * as z from 'zod';
import { RaosError, invalidInput } from '../../../kernel/errors.js';
import { builtinComponents } from '../components.js';
import { parsePlan, worldPlanSchema, type WorldPlan } from './plan.js';
import { rulesProvider } from './rules.js';

export interface OpenAIProviderOptions {
  /** Root of the OpenAI-compatible API, up to and including /v1 (Ollama: http://127.0.0.1:11434/v1). */
  baseUrl: string;
  /** Model name sent to the endpoint. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set; never put in a message. */
  apiKey?: string;
  /** How long to wait for the whole answer before failing with UNAVAILABLE. */
  timeoutMs: number;
  /** The fetch to use; default: the global fetch. */
  fetch?: typeof fetch;
  /**
   * The component types the model may use, described in its instructions.
   * Default: the Game module's built-in types.
   */
  componentTypes?: readonly { type: string; description: string; schema?: unknown }[];
}

const CONFIG_HINT =
  'Check game.openai.baseUrl (the API root ending in /v1, e.g. http://127.0.0.1:11434/v1 for Ollama), ' +
  'game.openai.model and game.openai.apiKey (`raos config set game.openai.baseUrl URL`), or use --provider rules.';
const ANSWER = "the model's answer";
const ANSWER_HINT = 'Try again (another --seed), or a model that follows JSON instructions better (game.openai.model).';

const CONVENTIONS = [
  'Rules:',
  '- entities[0] is the root place (the dungeon, forest, castle...) with parent null and position [0, 0, 0]; it holds everything else.',
  '- Every other entity names an EARLIER entity of the list as parent (by its ref): the place it is in, or the container it is inside.',
  '- refs are unique lowercase ids such as "dragon-1"; kind is a lowercase word such as "dragon" or "treasure-chest"; tags hold the adjectives of the request ("dark", "red").',
  '- Units are metres; y is up; the scene spans -50..50 on x and z; things standing on the ground have y = 0.',
  '- position, rotation and scale are LOCAL to the parent. rotation is Euler angles in degrees [x, y, z] applied in XYZ order. ' +
    'An entity faces its local +z: rotation [0, t, 0] turns it to face the direction (sin t, 0, cos t).',
  '- Make exactly as many entities of each kind as the request asks for ("three dragons" = 3 entities of kind "dragon").',
];

/** The instructions sent as the system message: the plan's JSON Schema, the conventions and an example. */
export function systemPrompt(componentTypes?: OpenAIProviderOptions['componentTypes']): string {
  const types = componentTypes ?? builtinComponents().list();
  const schema = z.toJSONSchema(worldPlanSchema, { unrepresentable: 'any' });
  const example = rulesProvider('a dark room with a torch near a chest and a sleeping goblin guarding it', 1);
  return [
    'You design scenes for a 3D game. Answer with ONE JSON object and nothing else (no prose, no code fences):',
    'a world plan that matches this JSON Schema:',
    JSON.stringify(schema),
    ...CONVENTIONS,
    '- components is an object keyed by component type; use only these types:',
    ...types.map((t) => `  - ${t.type}: ${t.description}${t.schema === undefined ? '' : ` ${JSON.stringify(t.schema)}`}`),
    'Example for "a dark room with a torch near a chest and a sleeping goblin guarding it":',
    JSON.stringify(example),
  ].join('\n');
}

/** Parses the content of the model's message: JSON, possibly inside ``` fences or after some prose. */
export function parseAnswer(content: string): unknown {
  let text = content.trim();
  const fenced = /^```[\w-]*[ \t]*\r?\n?([\s\S]*?)\r?\n?[ \t]*```$/.exec(text);
  if (fenced) text = fenced[1].trim();
  try {
    return JSON.parse(text);
  } catch (err) {
    // Some models think aloud before the object: take the outermost braces.
    const start = text.indexOf('{');
    const end = text.lastIndexOf('}');
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(text.slice(start, end + 1));
      } catch {
        // fall through to the first error, which describes the answer as a whole
      }
    }
    const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    throw invalidInput(`${ANSWER} was not a valid world plan: it is not JSON (${(err as Error).message}): ${JSON.stringify(shown)}`, {
      hint: ANSWER_HINT,
      details: { source: ANSWER, field: '(the whole plan)' },
    });
  }
}

/** The URL without user:password, for messages. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return [e?.message ?? String(err), cause].filter(Boolean).join(': ');
}

const isTimeout = (err: unknown) => (err as { name?: string })?.name === 'TimeoutError';

/**
 * Asks the model at `options.baseUrl` for a world plan for `prompt`:
 * `POST {baseUrl}/chat/completions` with the plan's JSON Schema in the system message,
 * `response_format: { type: 'json_object' }`, the seed and temperature 0.2.
 * Throws UNAVAILABLE when the endpoint cannot be reached, answers non-2xx, does not answer like an
 * OpenAI-compatible API, or takes longer than timeoutMs (the request is aborted); INVALID_INPUT
 * naming the field when the answer is not JSON or not a valid plan.
 */
export async function openaiProvider(prompt: string, seed: number, options: OpenAIProviderOptions): Promise<WorldPlan> {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const where = shownUrl(url);
  const secret = options.apiKey;
  const redact = (text: string) => (secret ? text.split(secret).join('***') : text);
  const unavailable = (message: string, cause?: unknown) =>
    new RaosError('UNAVAILABLE', redact(message), { hint: CONFIG_HINT, details: { url: where }, cause });
  const fetchImpl = options.fetch ?? fetch;
  const body = {
    model: options.model,
    messages: [
      { role: 'system', content: systemPrompt(options.componentTypes) },
      { role: 'user', content: prompt },
    ],
    response_format: { type: 'json_object' },
    seed,
    temperature: 0.2,
    stream: false,
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (secret) headers.authorization = `Bearer ${secret}`;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const timedOut = () => unavailable(`the model at ${where} did not answer within ${options.timeoutMs} ms`);

  let raw: string;
  try {
    const response = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    raw = await response.text();
    if (!response.ok) {
      const excerpt = raw.replace(/\s+/g, ' ').trim().slice(0, 200);
      throw unavailable(
        `the model at ${where} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` +
          (excerpt ? `: ${excerpt}` : ''),
      );
    }
  } catch (err) {
    if (err instanceof RaosError) throw err;
    if (isTimeout(err) || signal.aborted) throw timedOut();
    throw unavailable(`could not reach the model at ${where}: ${causeOf(err)}`, err);
  }

  let content: unknown;
  try {
    content = (JSON.parse(raw) as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
  } catch {
    throw unavailable(`the endpoint ${where} did not answer with JSON; is game.openai.baseUrl an OpenAI-compatible API root (…/v1)?`);
  }
  if (typeof content !== 'string') {
    throw unavailable(`the answer from ${where} has no choices[0].message.content; is game.openai.baseUrl an OpenAI-compatible API root (…/v1)?`);
  }
  try {
    return parsePlan(parseAnswer(content), ANSWER);
  } catch (err) {
    if (err instanceof RaosError && err.code === 'INVALID_INPUT') {
      throw invalidInput(err.message, { hint: ANSWER_HINT, details: err.details });
    }
    throw err;
  }
}
