// Tells a test when a 2025 client's GET stream is open. Both SDK clients open
// it on their own after `notifications/initialized`, and a server drops
// unsolicited notifications sent before it exists, so a test that triggers
// list_changed or resources/updated waits for this first.

export interface GetStreamWatch {
  /** The fetch to hand to the SDK's StreamableHTTPClientTransport. */
  fetch: typeof fetch;
  /** True once a GET answered 200 with an event stream; false when the server refused it (405 or not SSE). */
  opened: Promise<boolean>;
}

function methodOf(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): string {
  if (init?.method !== undefined) return init.method.toUpperCase();
  return input instanceof Request ? input.method.toUpperCase() : 'GET';
}

export function watchGetStream(base: typeof fetch = fetch): GetStreamWatch {
  let settle!: (isOpen: boolean) => void;
  const opened = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const watched: typeof fetch = async (input, init) => {
    const isGet = methodOf(input, init) === 'GET';
    try {
      const response = await base(input, init);
      if (isGet) settle(response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream'));
      return response;
    } catch (error) {
      if (isGet) settle(false);
      throw error;
    }
  };
  return { fetch: watched, opened };
}
