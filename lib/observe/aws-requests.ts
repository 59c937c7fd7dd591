// AWS SDK requests as metrics: a middleware in each client's `deserialize` step, which runs once
// per HTTP attempt (below the retry middleware), so a throttled call retried twice counts three
// requests, each with its own status code; `network` when no answer came.
import type { ApiTarget, Metrics } from './metrics.ts';

interface MiddlewareContext {
  commandName?: string;
}

/** Structural, so any v3 client fits without importing @smithy/types (not our dependency). */
export interface InstrumentableClient {
  middlewareStack: {
    add(middleware: <A, R>(next: (args: A) => Promise<R>, context: MiddlewareContext) => (args: A) => Promise<R>,
      options: { step: 'deserialize'; name: string; priority?: 'high' | 'normal' | 'low' }): void;
  };
}

export const AWS_METRICS_MIDDLEWARE = 'nthRequestMetrics';

/** The HTTP status of an SDK result or error, when it carries one. */
export function awsStatusOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  // A result: { response: HttpResponse, output }; an error: ServiceException with $metadata.
  const response = 'response' in value ? value.response : undefined;
  if (typeof response === 'object' && response !== null && 'statusCode' in response && typeof response.statusCode === 'number') return response.statusCode;
  const metadata = '$metadata' in value ? value.$metadata : undefined;
  if (typeof metadata === 'object' && metadata !== null && 'httpStatusCode' in metadata && typeof metadata.httpStatusCode === 'number') return metadata.httpStatusCode;
  return undefined;
}

export function instrumentAwsClient(client: InstrumentableClient, target: ApiTarget, metrics: Metrics): void {
  client.middlewareStack.add((next, context) => async (args) => {
    const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
    try {
      const result = await next(args);
      metrics.apiRequest(target, operation, awsStatusOf(result) ?? 'network');
      return result;
    } catch (error) {
      metrics.apiRequest(target, operation, awsStatusOf(error) ?? 'network');
      throw error;
    }
  }, { step: 'deserialize', name: AWS_METRICS_MIDDLEWARE });
}
