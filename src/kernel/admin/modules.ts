/** Operations over modules: list, info (with health), reload, and calls into external modules. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RaosError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { RESERVED_NAMES } from '../kernel.js';
import type { HealthReport, ModuleInfo } from '../module.js';
import { loadModuleFolder } from '../module-loader.js';

export async function moduleList(kernel: Kernel): Promise<{ modules: ModuleInfo[] }> {
  return { modules: await kernel.initAll() };
}

export async function moduleInfo(kernel: Kernel, name: string): Promise<ModuleInfo & { health: HealthReport }> {
  await kernel.initAll();
  const info = kernel.modules.info(name);
  const health =
    info.state === 'ready'
      ? await kernel.modules.health(name)
      : { ok: false, message: info.error ?? `module is ${info.state}` };
  return { ...info, health };
}

export async function reloadModule(kernel: Kernel, name: string): Promise<{ previous?: string; module: ModuleInfo }> {
  await kernel.initAll();
  const before = kernel.modules.list().find((m) => m.name === name);
  if (before?.kind === 'builtin') {
    throw new RaosError('INVALID_INPUT', `name: '${name}' is a built-in module; only external modules can be reloaded`, {
      hint: 'Built-in modules change with raos itself: upgrade raos and restart the daemon.',
    });
  }
  const dir = before?.path ?? join(kernel.paths.modulesDir, name);
  if (!existsSync(dir)) {
    throw new RaosError('NOT_FOUND', `no module folder for '${name}' in ${kernel.paths.modulesDir}`, {
      hint: 'External modules live in <workspace>/modules/<name>/ with a package.json; `raos module list` shows what was found.',
    });
  }
  const found = await loadModuleFolder(dir, {
    reserved: [...RESERVED_NAMES, ...kernel.modules.list().filter((m) => m.kind === 'builtin').map((m) => m.name)],
    bust: String(kernel.now()) + Math.random().toString(36).slice(2, 8),
  });
  const module = await kernel.modules.reload(
    name,
    found.definition ? { definition: found.definition, kind: 'external', path: found.dir } : { error: found.error ?? 'could not be loaded' },
  );
  return { previous: before?.version, module };
}

export async function callModule(
  kernel: Kernel,
  input: { name: string; command: string; args: string[] },
): Promise<{ module: string; command: string; result: unknown }> {
  await kernel.loadExternalModules();
  const result = await kernel.modules.process(input.name, input.command, input.args);
  return { module: input.name, command: input.command, result: result === undefined ? null : result };
}
