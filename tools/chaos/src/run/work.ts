/** Burns `ms` of CPU without giving the event loop a turn. */
export function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/** An async wait that never does I/O: only resolved promises between slices of CPU. */
export async function spin(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    burn(0.2);
    await null;
  }
}

/** Resolves after `ms` (a timer: I/O for the event loop). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An error's stable code, or its message, for the journal. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) return String((error as { code: unknown }).code);
  return error instanceof Error ? error.message : String(error);
}
