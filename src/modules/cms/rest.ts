/**
 * REST routes of the CMS: the seed's plugin routes (`POST /api/cms/plugin/install` with
 * `{ pluginPackage: base64, autoEnable }`, `GET /api/cms/plugin/list`,
 * `DELETE /api/cms/plugin/uninstall/{pluginId}`) and the rest of its verbs. Limited per the seed at
 * 60 requests a minute and 1000 an hour (`rateLimits.cms`).
 */
import type { RestRoute } from '../../kernel/admin/rest.js';

export const cmsRoutes: RestRoute[] = [
  { method: 'POST', path: '/api/cms/content/create', procedure: 'cms.content.create', summary: 'Create a page or post (JSON body: type?, title, slug?, body?, tags?, publish?)' },
  { method: 'GET', path: '/api/cms/content/list', procedure: 'cms.content.list', summary: 'List content (query: type?, status?, tag?, author?, limit?, offset?)' },
  { method: 'GET', path: '/api/cms/content/search', procedure: 'cms.content.search', summary: 'Full-text search (query: query, type?, limit?)' },
  { method: 'GET', path: '/api/cms/content/history', procedure: 'cms.content.history', summary: 'Every revision of an item with author and time (query: slug)' },
  { method: 'GET', path: '/api/cms/content/{slug}', procedure: 'cms.content.show', summary: 'One item with its Markdown (query: revision?, html? for the rendered HTML)' },
  { method: 'POST', path: '/api/cms/content/update', procedure: 'cms.content.update', summary: 'Change an item (JSON body: slug, title?, newSlug?, body?, tags?, ifRevision?)' },
  { method: 'POST', path: '/api/cms/content/publish', procedure: 'cms.content.publish', summary: 'Publish an item now (JSON body: slug)' },
  { method: 'POST', path: '/api/cms/content/unpublish', procedure: 'cms.content.unpublish', summary: 'Take an item back to draft (JSON body: slug)' },
  { method: 'POST', path: '/api/cms/content/schedule', procedure: 'cms.content.schedule', summary: 'Publish an item at a time (JSON body: slug, at: ISO 8601)' },
  { method: 'POST', path: '/api/cms/content/restore', procedure: 'cms.content.restore', summary: "Make an old revision's text current again, as a new revision (JSON body: slug, revision)" },
  { method: 'DELETE', path: '/api/cms/content/{slug}', procedure: 'cms.content.delete', summary: 'Delete an item with its revisions' },
  { method: 'POST', path: '/api/cms/forum/category/create', procedure: 'cms.forum.category.create', summary: 'Create a forum category (JSON body: name, slug?, description?)' },
  { method: 'GET', path: '/api/cms/forum/list', procedure: 'cms.forum.list', summary: "Categories with counts, or one category's threads, pinned first (query: category?)" },
  { method: 'POST', path: '/api/cms/forum/thread/create', procedure: 'cms.forum.thread.create', summary: 'Start a thread (JSON body: category, title, body)' },
  { method: 'GET', path: '/api/cms/forum/thread/{thread}', procedure: 'cms.forum.thread.show', summary: 'A thread with its replies' },
  { method: 'POST', path: '/api/cms/forum/reply', procedure: 'cms.forum.reply', summary: 'Reply to a thread (JSON body: thread, body); locked threads refuse' },
  { method: 'POST', path: '/api/cms/forum/lock', procedure: 'cms.forum.lock', summary: 'Lock or unlock a thread (JSON body: thread, locked?)' },
  { method: 'POST', path: '/api/cms/forum/pin', procedure: 'cms.forum.pin', summary: 'Pin or unpin a thread (JSON body: thread, pinned?)' },
  { method: 'POST', path: '/api/cms/media/add', procedure: 'cms.media.add', summary: 'Add a media file (JSON body: name, data: base64); typed by content' },
  { method: 'GET', path: '/api/cms/media/list', procedure: 'cms.media.list', summary: 'Media files with type, size and checksum' },
  { method: 'DELETE', path: '/api/cms/media/{id}', procedure: 'cms.media.delete', summary: 'Delete a media file' },
  {
    method: 'POST',
    path: '/api/cms/plugin/install',
    procedure: 'cms.plugin.install',
    summary: 'Install a plugin (JSON body: pluginPackage: base64 zip, autoEnable?)',
    description: 'The zip is checked (paths, links, file count, sizes, plugin.json) before anything is written.',
  },
  { method: 'GET', path: '/api/cms/plugin/list', procedure: 'cms.plugin.list', summary: 'Installed plugins with their state, failures and why they were disabled' },
  { method: 'POST', path: '/api/cms/plugin/enable', procedure: 'cms.plugin.enable', summary: 'Enable a plugin (JSON body: pluginId: id or name); clears its failures' },
  { method: 'POST', path: '/api/cms/plugin/disable', procedure: 'cms.plugin.disable', summary: 'Disable a plugin (JSON body: pluginId: id or name)' },
  { method: 'DELETE', path: '/api/cms/plugin/uninstall/{pluginId}', procedure: 'cms.plugin.uninstall', summary: 'Uninstall a plugin (id or name) and delete its files' },
  { method: 'POST', path: '/api/cms/site/build', procedure: 'cms.site.build', summary: 'Build the static site into cms.site.outDir (JSON body: force?); served at /site/' },
  { method: 'GET', path: '/api/cms/status', procedure: 'cms.status', summary: 'Counts, plugin states and failures, the sandbox, the last build' },
];
