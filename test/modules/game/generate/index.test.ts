/** generatePlan's dispatch and checks, and describePlan's --dry-run summary. */
import { describe, expect, it } from 'vitest';
import { describePlan, generatePlan, rulesProvider, type WorldPlan } from '../../../../src/modules/game/generate/index.js';
import { refusal } from '../../../helpers.js';

const PROMPT = 'a dark dungeon with three dragons guarding a treasure chest';


describe('generatePlan', () => {
  it('asks the rules provider by default', async () => {
    expect(await generatePlan({ prompt: PROMPT, seed: 5, provider: 'rules' })).toEqual(rulesProvider(PROMPT, 5));
  });

  it('asks the model with the openai settings', async () => {
    const plan = rulesProvider(PROMPT, 9);
    let sent: { seed?: number } = {};
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      sent = JSON.parse(String(init.body));
      return new Response(JSON.stringify({ choices: [{ message: { content: JSON.stringify(plan) } }] }));
    }) as unknown as typeof fetch;
    const got = await generatePlan({
      prompt: PROMPT,
      seed: 9,
      provider: 'openai',
      openai: { baseUrl: 'http://model.invalid/v1', model: 'm', timeoutMs: 1000, fetch: fakeFetch },
    });
    expect(got).toEqual(plan);
    expect(sent.seed).toBe(9);
  });

  it('refuses a bad seed or provider, and openai without settings', async () => {
    expect((await refusal(generatePlan({ prompt: PROMPT, seed: 1.5, provider: 'rules' }))).message).toMatch(/^seed: /);
    expect((await refusal(generatePlan({ prompt: PROMPT, seed: 1, provider: 'magic' as 'rules' }))).message).toMatch(/^provider: must be rules or openai/);
    expect((await refusal(generatePlan({ prompt: PROMPT, seed: 1, provider: 'openai' }))).code).toBe('CONFIG_INVALID');
    expect((await refusal(generatePlan({ prompt: 'zzz', seed: 1, provider: 'rules' }))).code).toBe('INVALID_INPUT');
  });
});

describe('describePlan', () => {
  it('shows the scene, the counts by kind and the tree with positions', () => {
    const plan: WorldPlan = {
      scene: { name: 'Dark Dungeon', description: 'A dark dungeon.' },
      entities: [
        { ref: 'dungeon-1', name: 'Dark Dungeon', kind: 'dungeon', tags: ['dark'], parent: null, position: [0, 0, 0], rotation: [0, 0, 0], scale: [1, 1, 1], components: {} },
        { ref: 'chest-1', name: 'Chest', kind: 'chest', tags: [], parent: 'dungeon-1', position: [1.234, 0, -5], rotation: [0, 0, 0], scale: [1, 1, 1], components: {} },
        { ref: 'key-1', name: 'Key', kind: 'key', tags: ['iron'], parent: 'chest-1', position: [0.1, 0, 0], rotation: [0, 90, 0], scale: [0.5, 0.5, 0.5], components: {} },
        { ref: 'dragon-1', name: 'Dragon 1', kind: 'dragon', tags: [], parent: 'dungeon-1', position: [3, 0, 4], rotation: [0, -36.87, 0], scale: [1, 2, 1], components: {} },
        { ref: 'dragon-2', name: 'Dragon 2', kind: 'dragon', tags: [], parent: 'dungeon-1', position: [-3, 0, 4], rotation: [0, 36.87, 0], scale: [1, 1, 1], components: {} },
      ],
    };
    expect(describePlan(plan)).toBe(
      [
        'Scene: Dark Dungeon: A dark dungeon.',
        '5 entities: 2 dragon, 1 chest, 1 dungeon, 1 key',
        'Tree (positions relative to the parent):',
        'dungeon-1  Dark Dungeon (dungeon) at (0, 0, 0) [dark]',
        '├─ chest-1  Chest (chest) at (1.23, 0, -5)',
        '│  └─ key-1  Key (key) at (0.1, 0, 0) turned (0, 90, 0) scale 0.5 [iron]',
        '├─ dragon-1  Dragon 1 (dragon) at (3, 0, 4) turned (0, -36.87, 0) scale (1, 2, 1)',
        '└─ dragon-2  Dragon 2 (dragon) at (-3, 0, 4) turned (0, 36.87, 0)',
      ].join('\n'),
    );
  });

  it('summarises a generated plan with every entity once', () => {
    const plan = rulesProvider(PROMPT, 3);
    const text = describePlan(plan);
    expect(text).toMatch(/^Scene: Dark Dungeon: /);
    expect(text).toContain('5 entities: 3 dragon, 1 dungeon, 1 treasure-chest');
    for (const e of plan.entities) expect(text.split(`${e.ref}  `)).toHaveLength(2);
  });
});
