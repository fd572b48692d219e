import { killConnectionsOf } from './client-kill.js';
import type { RunContext } from './context.js';
import { type Journal, journalPath } from './journal.js';
import { type RoleProcess, startRole } from './processes.js';

/** Where a supervisor's processes run. */
export interface SupervisorOptions {
  /** The run's directory: one journal per process. */
  readonly dir: string;
  readonly url: string;
  /** The checker's own journal: spawns, exits and faults go there. */
  readonly journal: Journal;
  /** No child lives longer than this. */
  readonly lifetimeMs: number;
  /** Runs a command on the checker's admin connection (for CLIENT KILL). */
  readonly command: (args: string[]) => Promise<unknown>;
}

interface Slot {
  readonly name: string;
  readonly module: string;
  readonly role: string;
  readonly params: unknown;
  incarnation: number;
  proc: RoleProcess | undefined;
  /** The exit the checker caused on purpose (a SIGKILL fault): not a crash. */
  expectKill: boolean;
  respawnMs: number;
}

const CRASH_RESPAWN_MS = 300;
const MAX_INCARNATIONS = 25;

/**
 * Keeps a set of role processes running, as a process manager would: a process that dies (a crash, or
 * a SIGKILL the checker sent) is started again under a new label (`consumer-1.2`: slot 1, second
 * incarnation). Every spawn, exit and fault is written to the checker's journal, with the label of the
 * process it hit, so the history can tell which runs a fault may explain.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #all: RoleProcess[] = [];
  #finishing = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  /** Starts slot `name` (module and role relative to `src/`); resolves when it is ready. */
  async start(name: string, module: string, role: string, params: unknown): Promise<RoleProcess> {
    const slot: Slot = {
      name,
      module,
      role,
      params,
      incarnation: 0,
      proc: undefined,
      expectKill: false,
      respawnMs: 0,
    };
    this.#slots.set(name, slot);
    return this.#spawn(slot);
  }

  /** The process running in slot `name` now, if any. */
  current(name: string): RoleProcess | undefined {
    const proc = this.#slots.get(name)?.proc;
    return proc && !proc.gone ? proc : undefined;
  }

  /** SIGKILLs slot `name`'s process; it is started again `respawnMs` later. */
  kill(name: string, respawnMs: number): void {
    const slot = this.#slots.get(name);
    const proc = slot && this.current(name);
    if (!slot || !proc) return;
    slot.expectKill = true;
    slot.respawnMs = respawnMs;
    this.#options.journal.write('fault', { kind: 'kill', label: proc.label });
    proc.signal('SIGKILL');
  }

  /** SIGSTOPs slot `name`'s process for `durationMs`, then SIGCONTs it. */
  async stop(name: string, durationMs: number): Promise<void> {
    const proc = this.current(name);
    if (!proc) return;
    this.#options.journal.write('fault', { kind: 'stop', label: proc.label, durationMs });
    proc.signal('SIGSTOP');
    await new Promise((r) => setTimeout(r, durationMs));
    proc.signal('SIGCONT');
    this.#options.journal.write('resume', { label: proc.label });
  }

  /** Cuts every connection of slot `name`'s process to the server (CLIENT KILL). */
  async cutConnections(name: string): Promise<void> {
    const proc = this.current(name);
    if (!proc) return;
    const port = Number(new URL(this.#options.url).port);
    this.#options.journal.write('fault', { kind: 'client-kill', label: proc.label });
    const cut = await killConnectionsOf(proc.pid, port, this.#options.command);
    this.#options.journal.write('cut', { label: proc.label, connections: cut });
  }

  /** Asks every process to finish (no more respawns), and kills what is left after `graceMs`. */
  async finishAll(graceMs: number): Promise<void> {
    this.#finishing = true;
    await Promise.all(this.#all.map((proc) => proc.end(graceMs)));
  }

  /** Every process ever started, in order. */
  get processes(): readonly RoleProcess[] {
    return this.#all;
  }

  #spawn(slot: Slot): Promise<RoleProcess> {
    slot.incarnation += 1;
    const label = `${slot.name}.${slot.incarnation}`;
    const proc = startRole({
      module: slot.module,
      role: slot.role,
      label,
      url: this.#options.url,
      params: slot.params,
      journal: journalPath(this.#options.dir, label),
      lifetimeMs: this.#options.lifetimeMs,
    });
    slot.proc = proc;
    this.#all.push(proc);
    this.#options.journal.write('spawn', { label, pid: proc.pid });
    void proc.exited.then((exit) => {
      const expected = this.#finishing || slot.expectKill;
      this.#options.journal.write('exit', { label, code: exit.code, signal: exit.signal, expected });
      const delay = slot.expectKill ? slot.respawnMs : CRASH_RESPAWN_MS;
      slot.expectKill = false;
      if (this.#finishing || slot.incarnation >= MAX_INCARNATIONS) return;
      setTimeout(() => {
        if (!this.#finishing) this.#spawn(slot).catch(() => {});
      }, delay);
    });
    return proc.ready.then(() => proc);
  }
}

/** The supervisor of one run: its processes journal into the run's folder and use its server. */
export function supervisorFor(ctx: RunContext, lifetimeMs: number): Supervisor {
  return new Supervisor({
    dir: ctx.dir,
    url: ctx.server.url,
    journal: ctx.journal,
    lifetimeMs,
    command: ctx.command,
  });
}
