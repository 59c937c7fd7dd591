// The two HTTP servers of the process, as configured: metrics (/metrics on
// PROMETHEUS_SERVER_PORT) and probes (PROBES_SERVER_ENDPOINT for liveness and /readyz on
// PROBES_SERVER_PORT). Started by cmd/main.ts before the controller, so the kubelet gets answers
// (liveness yes, readiness not yet) while the Node index loads.
import { startHttpServer, type RouteHandler, type RunningHttpServer } from './http-server.ts';
import type { Logger } from './logger.ts';
import { metricsHandler } from './metrics-endpoint.ts';
import type { Metrics } from './metrics.ts';
import { probeHandler, Probes, type HealthReport } from './probes.ts';

export interface ServerSettings {
  enablePrometheusServer: boolean;
  prometheusServerPort: number;
  enableProbesServer: boolean;
  probesServerPort: number;
  probesServerEndpoint: string;
  readinessWindow: number;
}

export const READINESS_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

export interface ServerDeps {
  settings: ServerSettings;
  metrics: Metrics;
  health: () => HealthReport;
  pingKube?: () => Promise<unknown>;
  logger: Logger;
  /** Tests bind to loopback; the default is every interface. */
  host?: string;
}

export interface RunningServers {
  /** Undefined when that server is disabled. */
  metricsPort: number | undefined;
  probesPort: number | undefined;
  probes: Probes;
  close(): Promise<void>;
}

export async function startServers(deps: ServerDeps): Promise<RunningServers> {
  const { settings, logger } = deps;
  const probes = new Probes({ health: deps.health, windowSeconds: settings.readinessWindow, ...(deps.pingKube ? { pingKube: deps.pingKube } : {}) });
  const started: RunningHttpServer[] = [];
  const close = async (): Promise<void> => {
    probes.stop();
    await Promise.all(started.map((s) => s.close()));
  };
  try {
    let metricsPort: number | undefined;
    let probesPort: number | undefined;
    if (settings.enablePrometheusServer) {
      const server = await startHttpServer({
        name: 'metrics', port: settings.prometheusServerPort, host: deps.host, logger,
        routes: { [METRICS_PATH]: metricsHandler(deps.metrics.registry) },
      });
      started.push(server);
      metricsPort = server.port;
    }
    if (settings.enableProbesServer) {
      const routes: Record<string, RouteHandler> = {
        [READINESS_PATH]: probeHandler(() => probes.readiness()),
        // Set last: a liveness endpoint configured as /readyz answers as liveness, as asked.
        [settings.probesServerEndpoint]: probeHandler(() => probes.liveness()),
      };
      const server = await startHttpServer({ name: 'probes', port: settings.probesServerPort, host: deps.host, logger, routes });
      started.push(server);
      probesPort = server.port;
      probes.start();
    }
    return { metricsPort, probesPort, probes, close };
  } catch (error) {
    await close();
    throw error;
  }
}
