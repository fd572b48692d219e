import { InvalidArgumentError } from '@redis-ipc/core';

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

/** Longest delay a Node.js timer can wait (2^31 − 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

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
