import { defineScript } from '@redis-ipc/core/internal';
import source from '../lua/push-unique-n.lua?raw';

/** Input of {@link pushUniqueScript}. */
export interface PushUniqueInput {
  readonly main: string;
  readonly windowMs: string;
  /** Each task's dedupe marker key and item. */
  readonly tasks: readonly { readonly marker: string; readonly item: string }[];
}

/** Pushes tasks not pushed within the window; resolves with whether each was pushed. */
export const pushUniqueScript = defineScript<PushUniqueInput, boolean[]>({
  name: 'push-unique-n',
  source,
  keys: (input) => [input.main, ...input.tasks.map((task) => task.marker)],
  args: (input) => [input.windowMs, ...input.tasks.map((task) => task.item)],
  parse: (reply) => (reply as readonly unknown[]).map((pushed) => Number(pushed) === 1),
});
