// Starts several processes or servers at once for a test's setup. When one
// fails to start, the ones that did are stopped before the error is thrown:
// a live child left behind would keep the test file from ever exiting.

export async function startAll<T>(starts: readonly Promise<T>[], stop: (started: T) => Promise<unknown> | unknown): Promise<T[]> {
  const outcomes = await Promise.allSettled(starts);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  const started = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  if (failure === undefined) return started;
  await Promise.allSettled(started.map(async (value) => stop(value)));
  throw failure.reason;
}
