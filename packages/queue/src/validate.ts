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

/** Checks a duration option in ms (finite, at least `min`); throws {@link InvalidArgumentError}. */
export function durationOption(value: number, option: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidArgumentError(`${option} must be a finite number of milliseconds, at least ${min}`);
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
