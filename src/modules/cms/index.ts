import type { BuiltinModule } from '../../kernel/kernel.js';
import type { Cms } from './cms.js';
import { migrations } from './migrations.js';

/**
 * The seed's LegendaryCMS: content with revisions, forum, media, sandboxed plugins, static sites.
 * Its services load on the module's first use: Markdown, the sanitiser, zip reading and the site
 * templates cost ~150 ms of start-up that `raos memory get` should not pay.
 */
export const cmsModule: BuiltinModule<Cms> = {
  name: 'cms',
  version: '1.0.0',
  description: 'Content management: pages and posts with revisions and search, forum, media, sandboxed plugins, static sites',
  commands: ['cms content', 'cms forum', 'cms media', 'cms plugin', 'cms build', 'cms status'],
  migrations,
  async setup(ctx) {
    const { createCms } = await import('./cms.js');
    return createCms(ctx);
  },
  async shutdown(cms) {
    await cms.stop();
  },
};
