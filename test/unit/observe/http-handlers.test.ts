import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../../lib/observe/logger.ts';
import { negotiateMetricsFormat, PROMETHEUS_CONTENT_TYPE } from '../../../lib/observe/metrics-endpoint.ts';
import { Metrics } from '../../../lib/observe/metrics.ts';
import { OPENMETRICS_CONTENT_TYPE } from '../../../lib/observe/openmetrics.ts';
import { Probes, type HealthReport } from '../../../lib/observe/probes.ts';
import { startServers, type RunningServers } from '../../../lib/observe/servers.ts';

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function healthy(now: number, overrides: Partial<HealthReport> = {}): HealthReport {
  return { state: 'running', runningSince: now - 600_000, sqsOkAt: now - 1000, sqsError: undefined, kubeOkAt: now - 1000, inFlightMessages: 0, messageCapacity: 100, ...overrides };
}

describe('content negotiation of /metrics', () => {
  test('Prometheus text unless OpenMetrics is asked for at least as strongly', () => {
    assert.equal(negotiateMetricsFormat(undefined), 'prometheus');
    assert.equal(negotiateMetricsFormat('*/*'), 'prometheus');
    assert.equal(negotiateMetricsFormat('text/plain;version=0.0.4'), 'prometheus');
    assert.equal(negotiateMetricsFormat(PROMETHEUS_ACCEPT), 'openmetrics');
    assert.equal(negotiateMetricsFormat('application/openmetrics-text'), 'openmetrics');
    assert.equal(negotiateMetricsFormat('application/openmetrics-text;q=0.3,text/plain;q=0.9'), 'prometheus');
    assert.equal(negotiateMetricsFormat('application/openmetrics-text;q=0'), 'prometheus');
    assert.equal(negotiateMetricsFormat('Application/OpenMetrics-Text; version=1.0.0'), 'openmetrics');
  });
});

describe('probes', () => {
  const now = 1_000_000_000;
  const probes = (report: HealthReport, windowSeconds = 60): Probes => new Probes({ health: () => report, windowSeconds, now: () => now });

  test('ready when SQS and the Kubernetes API answered within the window', () => {
    const result = probes(healthy(now)).readiness();
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  test('not ready before the controller runs, or while it stops', () => {
    assert.equal(probes(healthy(now, { state: 'starting' })).readiness().ok, false);
    assert.equal(probes(healthy(now, { state: 'stopping' })).readiness().checks.controller?.ok, false);
  });

  test('SQS: an open long poll gets 20 s beyond the window; after an error, only the window', () => {
    const lastAnswer = now - 70_000;
    assert.equal(probes(healthy(now, { sqsOkAt: lastAnswer })).readiness().ok, true, 'a receive may still be open');
    const failing = probes(healthy(now, { sqsOkAt: lastAnswer, sqsError: 'ECONNREFUSED' })).readiness();
    assert.equal(failing.ok, false);
    assert.match(failing.checks.sqs?.detail ?? '', /70\.0 s ago; last error: ECONNREFUSED/);
    assert.equal(probes(healthy(now, { sqsOkAt: now - 90_000 })).readiness().ok, false, 'beyond window + long poll');
    assert.equal(probes(healthy(now, { sqsOkAt: undefined })).readiness().ok, false, 'never answered');
  });

  test('Kubernetes: a quiet watch is made up for by a ping', async () => {
    let pings = 0;
    const report = healthy(now, { kubeOkAt: now - 120_000 });
    const p = new Probes({ health: () => report, windowSeconds: 60, now: () => now, pingKube: () => Promise.resolve(pings++) });
    assert.equal(p.readiness().checks.kubernetes?.ok, false);
    await p.pingIfQuiet();
    assert.equal(pings, 1);
    assert.equal(p.readiness().ok, true);
    await p.pingIfQuiet();
    assert.equal(pings, 1, 'no ping while the last answer is fresh');
  });

  test('a failing ping leaves Kubernetes not ready', async () => {
    const p = new Probes({ health: () => healthy(now, { kubeOkAt: undefined }), windowSeconds: 60, now: () => now, pingKube: () => Promise.reject(new Error('refused')) });
    await p.pingIfQuiet();
    assert.equal(p.readiness().checks.kubernetes?.ok, false);
  });

  test('liveness ignores SQS and Kubernetes outages, but not a stuck receive or a stopped controller', () => {
    assert.equal(probes(healthy(now, { sqsOkAt: now - 3_600_000, sqsError: 'down', kubeOkAt: undefined })).liveness().ok, true);
    assert.equal(probes(healthy(now, { state: 'stopped' })).liveness().ok, false);
    const stuck = probes(healthy(now, { sqsOkAt: now - 400_000 })).liveness();
    assert.equal(stuck.ok, false);
    assert.match(stuck.checks.receiveLoop?.detail ?? '', /no answer from SQS and no error/);
    assert.equal(probes(healthy(now, { sqsOkAt: now - 400_000, inFlightMessages: 100 })).liveness().ok, true, 'full: not receiving on purpose');
    assert.equal(probes(healthy(now, { state: 'starting', runningSince: undefined, sqsOkAt: undefined })).liveness().ok, true);
  });
});

describe('HTTP servers', () => {
  let report = healthy(Date.now());
  const metrics = new Metrics();
  metrics.messagesReceived.inc({ kind: 'spot-interruption' });
  let servers: RunningServers;
  const base = async (): Promise<{ metrics: string; probes: string }> => {
    servers ??= await startServers({
      settings: { enablePrometheusServer: true, prometheusServerPort: 0, enableProbesServer: true, probesServerPort: 0, probesServerEndpoint: '/healthz', readinessWindow: 60 },
      metrics, health: () => report, logger: silentLogger(), host: '127.0.0.1',
    });
    return { metrics: `http://127.0.0.1:${servers.metricsPort}`, probes: `http://127.0.0.1:${servers.probesPort}` };
  };
  after(() => servers?.close());

  test('/metrics: Prometheus text by default, OpenMetrics when asked', async () => {
    const { metrics: url } = await base();
    const text = await fetch(`${url}/metrics`);
    assert.equal(text.status, 200);
    assert.equal(text.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
    const body = await text.text();
    assert.match(body, /^node_termination_handler_messages_received_total\{kind="spot-interruption"\} 1$/m);
    assert.ok(!body.includes('# EOF'));
    const om = await fetch(`${url}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
    assert.equal(om.headers.get('content-type'), OPENMETRICS_CONTENT_TYPE);
    const omBody = await om.text();
    assert.match(omBody, /^# TYPE node_termination_handler_messages_received counter$/m);
    assert.match(omBody, /^node_termination_handler_messages_received_total\{kind="spot-interruption"\} 1$/m);
    assert.ok(omBody.endsWith('# EOF\n'));
    // The OpenMetrics rendering must not rename the counters the Prometheus format shows.
    assert.match(await (await fetch(`${url}/metrics`)).text(), /^# TYPE node_termination_handler_messages_received_total counter$/m);
  });

  test('liveness on PROBES_SERVER_ENDPOINT, readiness on /readyz: 200 or 503 with the checks', async () => {
    const { probes: url } = await base();
    report = healthy(Date.now());
    const live = await fetch(`${url}/healthz`);
    assert.equal(live.status, 200);
    assert.equal(((await live.json()) as { status: string }).status, 'ok');
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    report = healthy(Date.now(), { sqsOkAt: Date.now() - 120_000, sqsError: 'ECONNREFUSED' });
    const notReady = await fetch(`${url}/readyz`);
    assert.equal(notReady.status, 503);
    const body = (await notReady.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    assert.equal(body.status, 'failing');
    assert.equal(body.checks.sqs?.ok, false);
    assert.equal(body.checks.kubernetes?.ok, true);
  });

  test('unknown paths 404, other methods 405, HEAD has no body, query strings are ignored', async () => {
    const { probes: url, metrics: murl } = await base();
    assert.equal((await fetch(`${url}/nope`)).status, 404);
    assert.equal((await fetch(`${murl}/healthz`)).status, 404, 'each server serves its own paths');
    const post = await fetch(`${url}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(`${url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(`${murl}/metrics?x=1`)).status, 200);
  });

  test('a port in use fails startup, naming the server and the port', async () => {
    const { metrics: url } = await base();
    const port = Number(new URL(url).port);
    await assert.rejects(startServers({
      settings: { enablePrometheusServer: true, prometheusServerPort: port, enableProbesServer: false, probesServerPort: 0, probesServerEndpoint: '/healthz', readinessWindow: 60 },
      metrics: new Metrics({ defaultMetrics: false }), health: () => report, logger: silentLogger(), host: '127.0.0.1',
    }), new RegExp(`metrics server cannot listen on port ${port}`));
  });
});
