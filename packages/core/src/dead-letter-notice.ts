/**
 * What every `'dead-letter'` event says, whichever structure emits it: the queue's and the consumer
 * group's notices extend it with what is theirs.
 */
export interface DeadLetterNotice {
  /** Id of the task or event that was dead-lettered. */
  readonly id: string;
  /** Why: `'decode'` (undecodable payload), `'failed'` (its handler failed for the last time), `'max-deliveries'` (delivered too often without an ack, e.g. its consumers kept dying), or a structure's own reason. */
  readonly reason: string;
  /** How many times it had been delivered. */
  readonly deliveries: number;
  /** The last error's message, when a failure caused it. */
  readonly error?: string;
}
