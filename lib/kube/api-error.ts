// Reading client-node's ApiException without depending on its class identity: the HTTP status
// (`code`) and the apiserver's Status message, which arrives as JSON text in `body`.

/** The HTTP status of a failed call, or undefined (network error, abort, not an API error). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') return error.code;
  return undefined;
}

/** The `message` of the apiserver's Status body, else the error's own message. */
export function apiMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'body' in error) {
    const body = error.body;
    const parsed = typeof body === 'string' ? safeParse(body) : body;
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') {
      return parsed.message;
    }
    if (typeof body === 'string' && body.length > 0) return body.slice(0, 500);
  }
  return error instanceof Error ? error.message : String(error);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether a failed request may succeed if repeated: throttling, server trouble, the network. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return !(error instanceof Error && error.name === 'AbortError');
  return status === 429 || status >= 500;
}
