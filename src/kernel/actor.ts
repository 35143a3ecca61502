/**
 * Who performs an operation. Operations take the actor explicitly (STYLE §3). The local operator on
 * the CLI without a daemon is the workspace owner, and says so: `ownerActor()` is the only place that
 * makes one.
 */
import { userInfo } from 'node:os';

export type Origin = 'cli' | 'trpc' | 'rest' | 'ws' | 'internal';

export interface Actor {
  kind: 'owner' | 'user' | 'token' | 'module';
  id: string;
  name: string;
  role: string;
  origin: Origin;
  ip?: string;
}

let ownerName: string | undefined;

export function ownerActor(origin: Origin = 'cli'): Actor {
  if (ownerName === undefined) {
    // Read once: os.userInfo() reads the passwd database on every call.
    ownerName = 'owner';
    try {
      ownerName = userInfo().username || ownerName;
    } catch {
      /* no passwd entry (containers): keep the generic name */
    }
  }
  return { kind: 'owner', id: 'owner', name: ownerName, role: 'SuperAdmin', origin };
}
