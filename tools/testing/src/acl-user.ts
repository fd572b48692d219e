import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { type PlainClient, plainClient } from './plain-client.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import type { StandaloneTarget } from './targets.js';

/** What an ACL user may touch: key patterns, channel patterns and commands. */
export interface AclGrant {
  /** Key patterns (`~` rules), e.g. `['ipc:*']`. */
  readonly keys: readonly string[];
  /** Channel patterns (`&` rules), e.g. `['ipc:*']`. */
  readonly channels: readonly string[];
  /** Commands and subcommands allowed after `-@all` (`+` rules), e.g. `['get', 'client|id']`. */
  readonly commands: readonly string[];
}

/** The `ACL SETUSER` rules (after the user name) that grant exactly `grant`. */
export function aclRules(grant: AclGrant): string[] {
  return [
    'resetkeys',
    ...grant.keys.map((pattern) => `~${pattern}`),
    'resetchannels',
    ...grant.channels.map((pattern) => `&${pattern}`),
    '-@all',
    ...grant.commands.map((command) => `+${command}`),
  ];
}

/** A user made by {@link createAclUser}: what a client passes as `username` and `password`. */
export interface AclCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Creates (or resets) the user `username` with a random password and exactly the rules `rules`, over
 * `admin`, a client allowed to run `ACL SETUSER`.
 */
export async function createAclUser(
  admin: PlainClient,
  username: string,
  rules: readonly string[],
): Promise<AclCredentials> {
  const password = randomBytes(16).toString('hex');
  await admin.sendCommand(['ACL', 'SETUSER', username, 'reset', 'on', `>${password}`, ...rules]);
  return { username, password };
}

/** One `ACL LOG` entry: something the server refused a user. */
export interface AclDenial {
  /** `command`, `key`, `channel` or `auth`. */
  readonly reason: string;
  /** The command (`client|unblock`), key or channel that was refused. */
  readonly object: string;
  readonly username: string;
  /** How many times it happened. */
  readonly count: number;
}

/** The server's `ACL LOG` (newest first), read over `admin`. */
export async function aclLog(admin: PlainClient): Promise<AclDenial[]> {
  const entries = (await admin.sendCommand(['ACL', 'LOG'])) as unknown[];
  return entries.map((entry) => {
    const fields = toRecord(entry);
    return {
      reason: String(fields.reason),
      object: String(fields.object),
      username: String(fields.username),
      count: Number(fields.count),
    };
  });
}

/** Empties the server's `ACL LOG`. */
export async function resetAclLog(admin: PlainClient): Promise<void> {
  await admin.sendCommand(['ACL', 'LOG', 'RESET']);
}

// ACL LOG entries are maps under RESP3 and flat arrays under RESP2.
function toRecord(entry: unknown): Record<string, unknown> {
  if (Array.isArray(entry)) {
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < entry.length; i += 2) record[String(entry[i])] = entry[i + 1];
    return record;
  }
  if (entry instanceof Map) return Object.fromEntries(entry);
  return entry as Record<string, unknown>;
}

/** A target whose library clients run as a least-privilege user; see {@link aclTarget}. */
export interface AclTarget extends StandaloneTarget {
  /** Every `ACL LOG` entry so far (valid from the `beforeAll` on). */
  denials(): Promise<AclDenial[]>;
}

/** Options of {@link aclTarget}. */
export interface AclTargetOptions {
  /** What the library's user may do. */
  readonly grant: AclGrant;
  /**
   * What sets the target apart in test titles.
   * @default 'least-privilege ACL'
   */
  readonly label?: string;
  /**
   * Extra `redis-server` arguments (`['--notify-keyspace-events', 'K$']`, say).
   * @default []
   */
  readonly args?: readonly string[];
}

/**
 * A target on a server that this file's `beforeAll` starts and `afterAll` stops, where the library's
 * clients connect as a user with exactly `grant` and the tests' own plain clients as the default
 * (all-powerful) user. Call it at the top of a test file (or `describe`) and hand it to a conformance
 * suite; its fields can be read from the `beforeAll` on. `denials()` says what the server refused.
 */
export function aclTarget(options: AclTargetOptions): AclTarget {
  let server: RedisServer | undefined;
  let credentials: AclCredentials | undefined;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--acllog-max-len', '1024', ...(options.args ?? [])] });
    const admin = await plainClient(server.url);
    try {
      credentials = await createAclUser(admin, 'ipc-app', aclRules(options.grant));
    } finally {
      await admin.close();
    }
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });
  const started = () => {
    if (!server || !credentials) {
      throw new Error('aclTarget: the server starts in beforeAll; read the target inside a test');
    }
    return { server, credentials };
  };
  return {
    name: 'standalone',
    label: options.label ?? 'least-privilege ACL',
    get url() {
      return started().server.url;
    },
    get redis() {
      const { username, password } = started().credentials;
      return { username, password };
    },
    get admin() {
      return { url: started().server.url };
    },
    async denials() {
      const admin = await plainClient(started().server.url);
      try {
        return await aclLog(admin);
      } finally {
        await admin.close();
      }
    },
  };
}
