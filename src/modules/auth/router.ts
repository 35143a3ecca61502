/**
 * The Auth module's operations, declared with their permissions, its tRPC router and the audit
 * trail's. Every door reaches these through the guard of kernel/operation.ts.
 */
import * as z from 'zod';
import { can, PERMISSIONS } from '../../kernel/access.js';
import { describeActor } from '../../kernel/actor.js';
import { auditListInput, type AuditLog } from '../../kernel/audit.js';
import { defineOperation, field } from '../../kernel/operation.js';
import type { RequestContext } from '../../kernel/trpc.js';
import { mutation, query, router } from '../../kernel/trpc.js';
import {
  createRoleInput,
  createTokenInput,
  createUserInput,
  disableUserInput,
  listTokensInput,
  listUsersInput,
  loginInput,
  logoutInput,
  revokeTokenInput,
  roleRefInput,
  updateUserInput,
  userRefInput,
} from './schema.js';
import type { AuthService } from './service.js';

const auth = (ctx: RequestContext) => ctx.kernel.service<AuthService>('auth');
const none = z.object({}).strict().optional();
const name = (input: unknown) => field(input, 'name');

export const authOperations = {
  login: defineOperation({
    name: 'auth.login',
    permission: null,
    public: true,
    kind: 'write',
    input: loginInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).login(input, { origin: ctx.actor.origin, ip: ctx.actor.ip }),
  }),
  logout: defineOperation({
    name: 'auth.logout',
    permission: 'auth.session',
    kind: 'write',
    input: logoutInput,
    run: async (ctx, input) => (await auth(ctx)).logout(ctx.actor, input),
  }),
  whoami: defineOperation({
    name: 'auth.whoami',
    permission: 'auth.session',
    kind: 'read',
    input: none,
    run: async ({ actor }) => ({
      ...describeActor(actor),
      origin: actor.origin,
      ...(actor.actingOwner ? { actingOwner: true } : {}),
      ...(actor.tokenId ? { tokenId: actor.tokenId } : {}),
      expiresAt: actor.expiresAt === undefined ? null : new Date(actor.expiresAt).toISOString(),
      permissions: PERMISSIONS.map((p) => p.name).filter((p) => can(actor, p)).sort(),
    }),
  }),
  userCreate: defineOperation({
    name: 'auth.user.create',
    permission: 'auth.user.create',
    kind: 'write',
    input: createUserInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).createUser(ctx.actor, input),
  }),
  userList: defineOperation({
    name: 'auth.user.list',
    permission: 'auth.user.read',
    kind: 'read',
    input: listUsersInput,
    run: async (ctx, input) => (await auth(ctx)).listUsers(ctx.actor, input),
  }),
  userShow: defineOperation({
    name: 'auth.user.show',
    permission: 'auth.user.read',
    kind: 'read',
    input: userRefInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).getUser(ctx.actor, input),
  }),
  userUpdate: defineOperation({
    name: 'auth.user.update',
    permission: 'auth.user.update',
    kind: 'write',
    input: updateUserInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).updateUser(ctx.actor, input),
  }),
  userDisable: defineOperation({
    name: 'auth.user.disable',
    permission: 'admin.user.ban',
    kind: 'write',
    input: disableUserInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).disableUser(ctx.actor, input),
  }),
  userEnable: defineOperation({
    name: 'auth.user.enable',
    permission: 'admin.user.ban',
    kind: 'write',
    input: userRefInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).enableUser(ctx.actor, input),
  }),
  userDelete: defineOperation({
    name: 'auth.user.delete',
    permission: 'auth.user.delete',
    kind: 'write',
    input: userRefInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).deleteUser(ctx.actor, input),
  }),
  tokenCreate: defineOperation({
    name: 'auth.token.create',
    permission: 'auth.session',
    kind: 'write',
    input: createTokenInput,
    target: (input) => [field(input, 'user'), field(input, 'name')].filter(Boolean).join('/') || undefined,
    run: async (ctx, input) => (await auth(ctx)).createToken(ctx.actor, input),
  }),
  tokenList: defineOperation({
    name: 'auth.token.list',
    permission: 'auth.session',
    kind: 'read',
    input: listTokensInput,
    run: async (ctx, input) => (await auth(ctx)).listTokens(ctx.actor, input),
  }),
  tokenRevoke: defineOperation({
    name: 'auth.token.revoke',
    permission: 'auth.session',
    kind: 'write',
    input: revokeTokenInput,
    target: (input) => field(input, 'id'),
    run: async (ctx, input) => (await auth(ctx)).revokeToken(ctx.actor, input),
  }),
  roleList: defineOperation({
    name: 'auth.role.list',
    permission: 'auth.role.read',
    kind: 'read',
    input: none,
    run: async (ctx) => (await auth(ctx)).listRoles(),
  }),
  roleCreate: defineOperation({
    name: 'auth.role.create',
    permission: 'auth.role.manage',
    kind: 'write',
    input: createRoleInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).createRole(ctx.actor, input),
  }),
  roleDelete: defineOperation({
    name: 'auth.role.delete',
    permission: 'auth.role.manage',
    kind: 'write',
    input: roleRefInput,
    target: name,
    run: async (ctx, input) => (await auth(ctx)).deleteRole(ctx.actor, input),
  }),
  permissionList: defineOperation({
    name: 'auth.permission.list',
    permission: 'auth.role.read',
    kind: 'read',
    input: none,
    run: async (ctx) => (await auth(ctx)).listPermissions(),
  }),
};

export const auditOperations = {
  list: defineOperation({
    name: 'audit.list',
    permission: 'audit.read',
    kind: 'read',
    input: auditListInput,
    run: async (ctx, input) => (await ctx.kernel.service<AuditLog>('audit')).list(input),
  }),
};

export const authRouter = router({
  login: mutation(authOperations.login),
  logout: mutation(authOperations.logout),
  whoami: query(authOperations.whoami),
  user: router({
    create: mutation(authOperations.userCreate),
    list: query(authOperations.userList),
    show: query(authOperations.userShow),
    update: mutation(authOperations.userUpdate),
    disable: mutation(authOperations.userDisable),
    enable: mutation(authOperations.userEnable),
    delete: mutation(authOperations.userDelete),
  }),
  token: router({
    create: mutation(authOperations.tokenCreate),
    list: query(authOperations.tokenList),
    revoke: mutation(authOperations.tokenRevoke),
  }),
  role: router({
    list: query(authOperations.roleList),
    create: mutation(authOperations.roleCreate),
    delete: mutation(authOperations.roleDelete),
  }),
  permission: router({
    list: query(authOperations.permissionList),
  }),
});

export const auditRouter = router({
  list: query(auditOperations.list),
});
