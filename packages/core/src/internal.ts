/**
 * The machinery queue and stream share: not part of the public API, and not covered by semver.
 * Import it only from redis-ipc's own packages.
 * @packageDocumentation
 */

export { mayHoldPrototypeKey } from './codec.js';
export { throwAsIpcError } from './errors.js';
export { AckBatcher, type AckBatcherOptions } from './internal/ack-batcher.js';
export { Fifo } from './internal/fifo.js';
export {
  HANDLER_SLICE_MS,
  type HandlerOutcome,
  isThenable,
  runHandler,
  yieldIfBusy,
} from './internal/handler-runner.js';
export { type LoopSteps, loopIterator } from './internal/loop-iterator.js';
export {
  choiceOption,
  DEFAULT_CLOSE_TIMEOUT_MS,
  durationOption,
  integerOption,
  MAX_TIMER_MS,
  rejectUnknownOptions,
} from './internal/options.js';
export { onAbort, reportError } from './internal/report-error.js';
export { type RetryOptions, retryTransient } from './internal/retry.js';
export { SerialLock } from './internal/serial-lock.js';
export { type SlotMember, SlotSet } from './internal/slot-set.js';
export { Slots } from './internal/slots.js';
export { StringMap } from './internal/string-map.js';
export {
  abortErrorFrom,
  backoffDelay,
  sleep,
  throwIfAborted,
  validateTimeout,
  within,
} from './internal/timing.js';
export { defineScript, type ScriptDefinition, type TypedScript } from './internal/typed-script.js';
export { sharedDeadline, waitFor } from './internal/wait-for.js';
export { PAYLOAD_OPTION_NAMES } from './payload.js';
