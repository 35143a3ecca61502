import { describe, expect, it } from 'vitest';
import { RaosError } from '../../../../src/kernel/errors.js';
import { HOOK_NAMES, PLUGIN_PERMISSIONS, parseManifest } from '../../../../src/modules/cms/plugins/manifest.js';
import { baseManifest } from './helpers.js';

function refusal(json: unknown, source?: string): RaosError {
  try {
    parseManifest(json, source);
  } catch (err) {
    expect(err).toBeInstanceOf(RaosError);
    expect((err as RaosError).code).toBe('INVALID_INPUT');
    expect((err as RaosError).hint).toBeTruthy();
    return err as RaosError;
  }
  throw new Error('expected parseManifest to refuse');
}

describe('parseManifest', () => {
  it('accepts a valid manifest and defaults permissions to none', () => {
    const m = parseManifest({ ...baseManifest, hooks: ['beforeContentSave', 'onPublish'] });
    expect(m).toEqual({ ...baseManifest, hooks: ['beforeContentSave', 'onPublish'], permissions: [] });
  });

  it('accepts every optional field', () => {
    const m = parseManifest({
      ...baseManifest,
      version: '2.1.0-beta.1+build.5',
      entry: 'lib/main.cjs',
      hooks: [...HOOK_NAMES],
      permissions: [...PLUGIN_PERMISSIONS],
      settings: { greeting: 'hi', n: 3, list: [1, null, { deep: true }] },
      author: 'Ada',
      homepage: 'https://example.com/plugin',
    });
    expect(m.hooks).toEqual([...HOOK_NAMES]);
    expect(m.settings).toEqual({ greeting: 'hi', n: 3, list: [1, null, { deep: true }] });
  });

  it('names the source in the message', () => {
    expect(refusal({ ...baseManifest, name: 'X' }, 'myplugin/plugin.json').message).toMatch(/^myplugin\/plugin\.json: name: /);
  });

  it('refuses something that is not an object', () => {
    expect(refusal(42).message).toMatch(/^plugin\.json: .*expected object/);
  });

  it.each([
    ['name', { name: 'Hello' }, /plugin\.json: name: must be 2-64 characters/],
    ['name (too short)', { name: 'h' }, /plugin\.json: name: /],
    ['name (missing)', { name: undefined }, /plugin\.json: name: /],
    ['version', { version: '1.0' }, /plugin\.json: version: must be a semantic version/],
    ['description', { description: 'x'.repeat(501) }, /plugin\.json: description: must be at most 500 characters/],
    ['entry (..)', { entry: '../index.js' }, /plugin\.json: entry: must not contain \.\./],
    ['entry (absolute)', { entry: '/index.js' }, /plugin\.json: entry: must be a relative path/],
    ['entry (backslash)', { entry: 'lib\\index.js' }, /plugin\.json: entry: must use \/ as separator/],
    ['entry (not js)', { entry: 'index.ts' }, /plugin\.json: entry: must name a \.js or \.cjs file/],
    ['hooks (empty)', { hooks: [] }, /plugin\.json: hooks: must list at least one hook/],
    ['hooks (unknown)', { hooks: ['onPublish', 'onExplode'] }, /plugin\.json: hooks\[1\]: must be one of beforeContentSave/],
    ['hooks (twice)', { hooks: ['onPublish', 'onPublish'] }, /plugin\.json: hooks: must not list a hook twice/],
    ['permissions', { permissions: ['content:read', 'root'] }, /plugin\.json: permissions\[1\]: must be one of content:read/],
    ['settings (not JSON)', { settings: { when: new Date() } }, /plugin\.json: settings: must hold only JSON values/],
    ['settings (too big)', { settings: { blob: 'x'.repeat(17 * 1024) } }, /plugin\.json: settings: must be at most 16384 bytes/],
    ['homepage', { homepage: 'javascript:alert(1)' }, /plugin\.json: homepage: must be an http\(s\) URL/],
    ['author', { author: 7 }, /plugin\.json: author: /],
    ['an unknown key', { main: 'index.js' }, /plugin\.json: .*main/],
  ])('refuses a bad %s, naming the field', (_label, change, pattern) => {
    expect(refusal({ ...baseManifest, ...change }).message).toMatch(pattern);
  });

  it('refuses onRender without the render permission, saying what to add', () => {
    const err = refusal({ ...baseManifest, hooks: ['beforeContentSave', 'onRender'], permissions: ['content:read'] });
    expect(err.message).toBe(`plugin.json: hooks[1]: onRender needs the 'render' permission: add "render" to permissions`);
    expect(parseManifest({ ...baseManifest, hooks: ['onRender'], permissions: ['render'] }).hooks).toEqual(['onRender']);
  });

  it('names every failing field at once', () => {
    const err = refusal({ ...baseManifest, name: '!', version: 'x' });
    expect(err.message).toMatch(/name: .*; version: /);
  });
});
