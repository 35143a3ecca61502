/**
 * REST routes of the Game Engine, in the seed's shape (`POST /api/game/scene/create`,
 * `GET /api/game/scene/{sceneId}`, `DELETE /api/game/scene/{sceneId}`) and the rest of its verbs.
 */
import type { RestRoute } from '../../kernel/admin/rest.js';

export const gameRoutes: RestRoute[] = [
  { method: 'POST', path: '/api/game/scene/create', procedure: 'game.scene.create', summary: 'Create a scene (JSON body: name, description?, metadata?)' },
  { method: 'GET', path: '/api/game/scene/list', procedure: 'game.scene.list', summary: 'List scenes (query: owner?)' },
  { method: 'POST', path: '/api/game/scene/update', procedure: 'game.scene.update', summary: "Change a scene's name, description or metadata (owner or game.scene.delete)" },
  { method: 'POST', path: '/api/game/scene/import', procedure: 'game.scene.import', summary: 'Create a scene from exported JSON (body: data, name?)' },
  { method: 'GET', path: '/api/game/scene/export', procedure: 'game.scene.export', summary: 'A scene with its entities as portable JSON (query: scene)' },
  { method: 'GET', path: '/api/game/scene/{scene}', procedure: 'game.scene.show', summary: 'One scene (by id or name) with its chat rooms' },
  {
    method: 'DELETE',
    path: '/api/game/scene/{scene}',
    procedure: 'game.scene.delete',
    summary: 'Delete a scene with its entities and chat rooms',
    description: 'Its owner, or a role with game.scene.delete (Moderator and above).',
  },
  { method: 'POST', path: '/api/game/entity/create', procedure: 'game.entity.create', summary: 'Create an entity (JSON body: scene, name, parent?, position?, rotation?, scale?, components?)' },
  { method: 'GET', path: '/api/game/entity/list', procedure: 'game.entity.list', summary: "A scene's entities, parents first, with world transforms (query: scene)" },
  { method: 'POST', path: '/api/game/entity/update', procedure: 'game.entity.update', summary: 'Change an entity (JSON body: id, name?, position?, rotation?, scale?, components?, removeComponents?, ifVersion?)' },
  { method: 'POST', path: '/api/game/entity/move', procedure: 'game.entity.move', summary: 'Reparent (parent: id or null) and/or move an entity; cycles are refused' },
  { method: 'GET', path: '/api/game/entity/{id}', procedure: 'game.entity.show', summary: 'One entity with its world transform and children' },
  { method: 'DELETE', path: '/api/game/entity/{id}', procedure: 'game.entity.delete', summary: 'Delete an entity and everything under it' },
  { method: 'GET', path: '/api/game/component/list', procedure: 'game.component.list', summary: 'Component types with their JSON Schemas' },
  { method: 'POST', path: '/api/game/chat/create', procedure: 'game.chat.create', summary: 'Create a chat room in a scene (JSON body: scene, name, kind?)' },
  { method: 'GET', path: '/api/game/chat/list', procedure: 'game.chat.list', summary: "A scene's chat rooms (query: scene)" },
  { method: 'POST', path: '/api/game/chat/send', procedure: 'game.chat.send', summary: 'Send a message (JSON body: room, text)' },
  { method: 'GET', path: '/api/game/chat/history', procedure: 'game.chat.history', summary: 'The newest messages of a room (query: room, limit?)' },
  {
    method: 'POST',
    path: '/api/game/world/generate',
    procedure: 'game.generate',
    summary: 'Create a scene from a sentence (JSON body: prompt, seed?, provider?, dryRun?, name?)',
  },
];
