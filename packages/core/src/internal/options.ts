import { InvalidArgumentError } from '../errors.js';

/**
 * Longest delay a Node.js timer can wait: 2^31 − 1 ms, about 24.8 days. A longer delay fires at once,
 * so every duration above it means "no limit" (`Infinity`).
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** How long `close()` of a reader, worker or consumer waits for running handlers by default. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Checks an integer option; throws {@link InvalidArgumentError}. */
export function integerOption(
  value: number,
  option: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${option} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Checks a duration option in ms (finite, at least `min`, at most `max`); throws
 * {@link InvalidArgumentError}.
 */
export function durationOption(value: number, option: string, min = 0, max = Number.MAX_VALUE): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.MAX_VALUE ? `at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidArgumentError(`${option} must be a finite number of milliseconds, ${range}`);
  }
  return value;
}

/** Checks a one-of option; throws {@link InvalidArgumentError}. */
export function choiceOption<C extends string>(value: C, option: string, choices: readonly C[]): C {
  if (!choices.includes(value)) {
    throw new InvalidArgumentError(`${option} must be one of ${choices.map((c) => `'${c}'`).join(', ')}`);
  }
  return value;
}

/**
 * Rejects an options object that names an option `known` does not list: a typo, or an option of
 * another factory, would otherwise be ignored without a word. JavaScript callers and spread objects
 * get past TypeScript's excess-property check; this does not.
 */
export function rejectUnknownOptions(
  options: object | undefined,
  known: readonly string[],
  where: string,
): void {
  if (options === undefined || options === null) return;
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new InvalidArgumentError(`${where}: unknown option '${name}' (known: ${known.join(', ')})`);
    }
  }
}
