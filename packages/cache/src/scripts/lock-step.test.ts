import { describe, expect, it } from 'vitest';
import { parseLockStep } from './lock-step.js';

describe('parseLockStep', () => {
  it('reads the three replies of the get-or-lock scripts', () => {
    expect(parseLockStep([1, '1::v'])).toEqual({ kind: 'value', raw: '1::v' });
    expect(parseLockStep([2])).toEqual({ kind: 'locked' });
    expect(parseLockStep([3, 1234])).toEqual({ kind: 'busy', lockMsLeft: 1234 });
  });
});
