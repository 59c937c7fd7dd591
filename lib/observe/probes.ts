// Liveness and readiness. Liveness says the process should keep running (a restart would help
// nothing while SQS or the API server is down, so their outages never fail it); readiness says
// both SQS and the Kubernetes API answered within the readiness window (NTH_READINESS_WINDOW).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-server.ts';

/** What the controller reports (Controller.health() has this shape). */
export interface HealthReport {
  state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped';
  /** When the controller started consuming (epoch ms). */
  runningSince: number | undefined;
  sqsOkAt: number | undefined;
  sqsError: string | undefined;
  kubeOkAt: number | undefined;
  inFlightMessages: number;
  messageCapacity: number;
}

export interface ProbeOptions {
  health: () => HealthReport;
  windowSeconds: number;
  /**
   * A cheap Kubernetes request (GET /version). The Node watch is quiet on a quiet cluster (the
   * kubelet writes Node status every few minutes, not every few seconds), so it alone would make
   * the API look stale; when it is, this is asked instead.
   */
  pingKube?: () => Promise<unknown>;
  /** The SQS long-poll wait: an open receive answers only after it. */
  longPollSeconds?: number;
  /** No receive answer and no error for this long while there is room for messages: stuck. */
  stallSeconds?: number;
  now?: () => number;
}

export interface Check {
  ok: boolean;
  detail: string;
}

export interface ProbeResult {
  ok: boolean;
  checks: Record<string, Check>;
}

const ago = (now: number, at: number | undefined): string => (at === undefined ? 'never' : `${((now - at) / 1000).toFixed(1)} s ago`);

export class Probes {
  private readonly options: ProbeOptions;
  private readonly now: () => number;
  private kubePingOkAt: number | undefined;
  private pinging = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ProbeOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Starts pinging the Kubernetes API whenever the watch has been quiet for half the window. */
  start(): void {
    if (!this.options.pingKube || this.timer) return;
    const periodMs = Math.max(1000, (this.options.windowSeconds * 1000) / 3);
    this.timer = setInterval(() => void this.pingIfQuiet(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One ping when the API has been quiet; exposed for tests. */
  async pingIfQuiet(): Promise<void> {
    const { pingKube, windowSeconds } = this.options;
    if (!pingKube || this.pinging) return;
    const last = this.kubeOkAt();
    if (last !== undefined && this.now() - last < (windowSeconds * 1000) / 2) return;
    this.pinging = true;
    try {
      await pingKube();
      this.kubePingOkAt = this.now();
    } catch {
      // Readiness reports the staleness; the watch logs the cause.
    } finally {
      this.pinging = false;
    }
  }

  liveness(): ProbeResult {
    const h = this.options.health();
    const now = this.now();
    const stallMs = (this.options.stallSeconds ?? 300) * 1000;
    const checks: Record<string, Check> = {
      controller: { ok: h.state !== 'stopped', detail: h.state },
    };
    if (h.state === 'running') {
      // An answer (or an error) ends every receive within the long poll; silence with room for
      // messages means a receive hangs (e.g. a half-open connection), which a restart does fix.
      const lastAnswer = h.sqsOkAt ?? h.runningSince;
      const stalled = h.sqsError === undefined && h.inFlightMessages < h.messageCapacity
        && lastAnswer !== undefined && now - lastAnswer > stallMs;
      checks.receiveLoop = { ok: !stalled, detail: stalled ? `no answer from SQS and no error since ${ago(now, lastAnswer)}` : `last answer ${ago(now, h.sqsOkAt)}` };
    }
    return result(checks);
  }

  readiness(): ProbeResult {
    const h = this.options.health();
    const now = this.now();
    const windowMs = this.options.windowSeconds * 1000;
    // While a receive is open and nothing failed, its answer is up to one long poll away.
    const sqsAllowanceMs = windowMs + (h.sqsError === undefined ? (this.options.longPollSeconds ?? 20) * 1000 : 0);
    const sqsOk = h.sqsOkAt !== undefined && now - h.sqsOkAt <= sqsAllowanceMs;
    const kubeAt = this.kubeOkAt();
    const kubeOk = kubeAt !== undefined && now - kubeAt <= windowMs;
    return result({
      controller: { ok: h.state === 'running', detail: h.state },
      sqs: { ok: sqsOk, detail: `last answer ${ago(now, h.sqsOkAt)}${h.sqsError ? `; last error: ${h.sqsError}` : ''}` },
      kubernetes: { ok: kubeOk, detail: `last answer ${ago(now, kubeAt)}` },
    });
  }

  private kubeOkAt(): number | undefined {
    const watch = this.options.health().kubeOkAt;
    if (watch === undefined) return this.kubePingOkAt;
    if (this.kubePingOkAt === undefined) return watch;
    return Math.max(watch, this.kubePingOkAt);
  }
}

function result(checks: Record<string, Check>): ProbeResult {
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

/** 200 with the checks when ok, 503 otherwise. */
export function probeHandler(probe: () => ProbeResult): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const outcome = probe();
    sendJson(res, outcome.ok ? 200 : 503, { status: outcome.ok ? 'ok' : 'failing', checks: outcome.checks }, req.method === 'HEAD');
  };
}
