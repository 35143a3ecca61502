// Generates oclif.manifest.json from the built commands, as `oclif manifest` would, without the
// 54 MB oclif package. A stale manifest hides new commands, so it is made on every build and not committed.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true });
await plugin.load();
const manifest = plugin.manifest;
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.error(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`);
