import { afterEach, beforeEach } from 'vitest';
import { pause, until } from './assertions.js';
import { clusterOf, clusterPlainClient, deleteClusterKeys } from './cluster-plain-client.js';
import { type FaultyProxy, startProxy } from './faulty-proxy.js';
import { deleteKeysWith, uniquePrefix } from './keys.js';
import { type PlainClient, plainClient } from './plain-client.js';
import { adminEndpoint, standaloneTarget, type TestTarget } from './targets.js';

/** Anything a test context opens and must close after the test. */
export interface Closable {
  close(): Promise<void>;
}

/** Where {@link TestContextOptions.connect} must open its client. */
export interface ConnectArgs {
  /** The server, cluster or sentinel-managed primary to connect to. */
  readonly target: TestTarget;
  /** The key prefix of this test: every key the client writes must start with it. */
  readonly prefix: string;
}

/** Options of {@link testContext}. */
export interface TestContextOptions<C extends Closable, O> {
  /**
   * Opens one connected client on `target` under `prefix`, with the options a test asked for (the
   * harness does not depend on the packages under test, so each suite says how its client is made):
   * `({ target, prefix }, options?: IpcClientOptions) => createClient({ ...targetOptions(target, options), prefix }).connect()`.
   */
  connect(args: ConnectArgs, options?: O): Promise<C>;
  /**
   * The target of every test, or a function returning it (read before each test, for a server that
   * a `beforeAll` starts).
   * @default standaloneTarget(): the run's shared server
   */
  target?: TestTarget | (() => TestTarget);
  /**
   * First part of each test's key prefix, to tell whose keys are whose on a shared server.
   * @default 't'
   */
  label?: string;
  /**
   * Options of the test's main client {@link TestContext.ipc} (e.g. `{ raw: true }`).
   * @default undefined
   */
  options?: O;
}

/** What a test gets from {@link testContext}; valid inside a test and its `beforeEach`/`afterEach` hooks. */
export interface TestContext<C extends Closable, O> {
  /** The target of the current test. */
  readonly target: TestTarget;
  /** URL of the current test's server. */
  readonly url: string;
  /** This test's own key prefix: no other test uses it; its keys are deleted after the test. */
  readonly prefix: string;
  /** This test's main client, opened with {@link TestContextOptions.options}; closed after the test. */
  readonly ipc: C;
  /**
   * A plain node-redis client on the same server, as another program would use; closed after the test.
   * On a cluster target it routes typed commands and `sendCommand(args)` by their first key.
   */
  readonly plain: PlainClient;
  /** Opens another client under the same prefix (another process's view, say); closed after the test. */
  client(options?: O): Promise<C>;
  /** Opens another plain node-redis client (for a second blocking command, say); closed after the test. */
  plainClient(): Promise<PlainClient>;
  /** Starts a {@link FaultyProxy} in front of the test's server; closed after the test. */
  proxy(): Promise<FaultyProxy>;
  /** Deletes these keys too after the test (keys outside the prefix, e.g. raw-mode names). */
  deleteAfter(...keys: string[]): void;
  /** Polls until a condition holds; throws after a bound (see the harness's `until`). */
  readonly until: typeof until;
  /** Resolves after `ms` milliseconds. */
  readonly pause: typeof pause;
}

// How long clean-up steps may take before the hook reports them instead of hanging: clients get the
// close timeout core allows itself; together the steps stay well inside vitest's 30 s hook timeout.
const CLOSE_STEP_MS = 10_000;
const STEP_MS = 3000;

interface Current<C> {
  target: TestTarget;
  prefix: string;
  ipc: C;
  plain: PlainClient;
  clients: Closable[];
  proxies: Closable[];
  extraKeys: string[];
}

/**
 * Gives each test of the calling `describe` (or file) a connected client of its own with a key prefix
 * no other test uses, a plain node-redis client, and a faulty proxy on demand. `beforeEach` opens them,
 * `afterEach` closes everything the test opened through the context and deletes the test's keys
 * (SCAN + UNLINK of the prefix, never FLUSHALL). Register it once, at the top of a `describe`; one
 * context serves one test at a time (not `describe.concurrent`).
 *
 * @example
 * ```ts
 * import { createClient, type IpcClientOptions } from '@redis-ipc/core';
 * import { testContext } from '@redis-ipc/testing';
 *
 * const t = testContext({
 *   label: 'q',
 *   connect: ({ target, prefix }, options?: IpcClientOptions) =>
 *     createClient({ ...targetOptions(target, options), prefix }).connect(),
 * });
 *
 * it('takes what was pushed', async () => {
 *   await createWriteQueue(t.ipc, 'jobs').push(1);
 *   const other = await t.client({ raw: true }); // closed after the test too
 *   await t.until(() => reader.waiting === 1);
 *   expect(await t.plain.lLen(`${t.prefix}:…`)).toBe(0);
 * });
 * ```
 *
 * A conformance suite takes the target and passes it on:
 * `export function testQueue(target: TestTarget, { delivery }) { describe(…, () => { const t = testContext({ target, connect }); … }) }`,
 * run as `for (const target of testTargets()) testQueue(target, { delivery: 'at-most-once' })`.
 */
export function testContext<C extends Closable, O = undefined>(
  options: TestContextOptions<C, O>,
): TestContext<C, O> {
  let current: Current<C> | undefined;
  const now = (what: string): Current<C> => {
    if (!current) throw new Error(`testContext: ${what} exists only inside a test (beforeEach opens it)`);
    return current;
  };

  beforeEach(async () => {
    const target =
      typeof options.target === 'function' ? options.target() : (options.target ?? standaloneTarget());
    const prefix = uniquePrefix(options.label ?? 't');
    const plain = await plainFor(target);
    let ipc: C;
    try {
      ipc = await options.connect({ target, prefix }, options.options);
    } catch (error) {
      await plain.close().catch(() => {});
      throw error;
    }
    const state: Current<C> = { target, prefix, plain, ipc, clients: [], proxies: [], extraKeys: [] };
    current = state;
  });

  afterEach(async () => {
    const state = current;
    current = undefined;
    if (!state) return;
    const failures: unknown[] = [];
    const step = async (label: string, work: () => Promise<unknown>, limitMs = STEP_MS) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label} did not finish within ${limitMs} ms`)), limitMs);
      });
      try {
        await Promise.race([work(), late]);
      } catch (error) {
        failures.push(error);
      } finally {
        clearTimeout(timer);
      }
    };
    await step(
      'closing the clients the test opened',
      () => Promise.all([state.ipc, ...state.clients].map((client) => client.close())),
      CLOSE_STEP_MS,
    );
    // After the clients: one talking through a proxy would otherwise see its connection cut.
    await step('closing the proxies', () => Promise.all(state.proxies.map((proxy) => proxy.close())));
    await step(
      `deleting the keys under ${state.prefix} (is the server down?)`,
      async () => {
        // The test may have closed the plain client itself.
        const client = state.plain.isOpen ? state.plain : await plainFor(state.target);
        try {
          const cluster = clusterOf(client);
          if (cluster) await deleteClusterKeys(cluster, state.prefix, state.extraKeys);
          else await deleteKeysWith(client, state.prefix, state.extraKeys);
        } finally {
          if (client !== state.plain) client.destroy();
        }
      },
      5000,
    );
    await step('closing the plain client', () =>
      state.plain.isOpen ? state.plain.close() : Promise.resolve(),
    );
    // A plain client still trying to reach a server that is gone would keep reconnecting for ever.
    if (state.plain.isOpen) state.plain.destroy();
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'test context clean-up failed');
  });

  return {
    get target() {
      return now('target').target;
    },
    get url() {
      return now('url').target.url;
    },
    get prefix() {
      return now('prefix').prefix;
    },
    get ipc() {
      return now('ipc').ipc;
    },
    get plain() {
      return now('plain').plain;
    },
    async client(clientOptions) {
      const state = now('client()');
      const client = await options.connect({ target: state.target, prefix: state.prefix }, clientOptions);
      state.clients.push(client);
      return client;
    },
    async plainClient() {
      const state = now('plainClient()');
      const client = await plainFor(state.target);
      state.clients.push({ close: () => (client.isOpen ? client.close() : Promise.resolve()) });
      return client;
    },
    async proxy() {
      const state = now('proxy()');
      if (state.target.name === 'cluster') throw new Error('testContext: proxy() needs a standalone target');
      const proxy = await startProxy(state.target.url);
      state.proxies.push(proxy);
      return proxy;
    },
    deleteAfter(...keys) {
      now('deleteAfter()').extraKeys.push(...keys);
    },
    until,
    pause,
  };
}

/** The tests' own plain client on `target`: one routing by key on a cluster, else one on the endpoint. */
function plainFor(target: TestTarget): Promise<PlainClient> {
  return target.name === 'cluster' ? clusterPlainClient(target) : plainClient(adminEndpoint(target));
}
