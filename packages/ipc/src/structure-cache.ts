/**
 * Structures made by {@link createIpc}, kept by kind, name and options, so that asking again for the
 * same one — `ipc.cache('users')` in every request — returns the one already made instead of another.
 */
export class StructureCache {
  readonly #entries = new Map<string, Array<{ options: unknown; structure: object }>>();

  /**
   * The structure made for `key` with options equal to `options` ({@link sameOptions}), made with
   * `make` when there is none yet, or when the one there has been closed.
   */
  get<S extends object>(key: string, options: unknown, make: () => S): S {
    let entries = this.#entries.get(key);
    if (!entries) {
      entries = [];
      this.#entries.set(key, entries);
    }
    const index = entries.findIndex((entry) => sameOptions(entry.options, options));
    const found = index >= 0 ? entries[index] : undefined;
    if (found && !isClosed(found.structure)) return found.structure as S;
    const structure = make();
    if (found) entries[index] = { options, structure };
    else entries.push({ options, structure });
    return structure;
  }

  /** Every structure held. */
  *structures(): IterableIterator<object> {
    for (const entries of this.#entries.values()) for (const entry of entries) yield entry.structure;
  }

  /** Forgets every structure. */
  clear(): void {
    this.#entries.clear();
  }
}

/** Whether a structure says it has been closed (those without a `closed` property never are). */
export function isClosed(structure: object): boolean {
  return (structure as { closed?: unknown }).closed === true;
}

/**
 * Whether two option objects ask for the same thing: plain objects and arrays are compared member by
 * member, anything else (functions, codecs, schemas, signals) by identity.
 */
export function sameOptions(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameOptions(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a).filter((key) => a[key] !== undefined);
  const otherKeys = Object.keys(b).filter((key) => b[key] !== undefined);
  if (keys.length !== otherKeys.length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameOptions(a[key], b[key]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
