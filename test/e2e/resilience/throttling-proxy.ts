// A small HTTP proxy in front of moto that answers chosen AWS requests the way AWS does when it
// throttles (SQS: 400 ThrottlingException in the JSON protocol, or 503; EC2: 503
// RequestLimitExceeded in XML) and forwards everything else, recording what it did.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Service = 'sqs' | 'ec2' | 'other';

export interface ProxiedCall {
  service: Service;
  operation: string;
  /** HTTP status we answered with; 0 = forwarded to moto. */
  refusedWith: number;
  at: number;
}

/** SQS speaks JSON (`X-Amz-Target: AmazonSQS.ReceiveMessage`), EC2 the query protocol (`Action=…`). */
function classify(req: IncomingMessage, body: string): { service: Service; operation: string } {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('AmazonSQS.')) return { service: 'sqs', operation: target.slice('AmazonSQS.'.length) };
  const action = new URLSearchParams(body).get('Action') ?? '';
  if (action !== '' && /DescribeInstances|DescribeImages|CreateLaunchTemplate|RunInstances/.test(action)) return { service: 'ec2', operation: action };
  return { service: 'other', operation: action };
}

function refuse(res: ServerResponse, service: Service, status: number): void {
  const requestId = `throttled-${Date.now()}`;
  if (service === 'sqs') {
    const code = status === 400 ? 'ThrottlingException' : 'ServiceUnavailable';
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId,
      // SQS is "query compatible": the SDK takes the error code from this header.
      'x-amzn-query-error': `${code};${status === 400 ? 'Sender' : 'Receiver'}`,
    });
    res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: status === 400 ? 'Rate exceeded' : 'Service unavailable' }));
    return;
  }
  res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
}

export class ThrottlingProxy {
  readonly calls: ProxiedCall[] = [];
  /** How many more requests of each service to refuse; each one gets the next status of its list. */
  private readonly budget: Record<Service, number[]> = { sqs: [], ec2: [], other: [] };
  private readonly server: Server;
  private readonly target: URL;

  private constructor(server: Server, target: URL) {
    this.server = server;
    this.target = target;
  }

  static async start(targetEndpoint: string): Promise<ThrottlingProxy> {
    const server = createServer();
    const proxy = new ThrottlingProxy(server, new URL(targetEndpoint));
    server.on('request', (req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Refuse the next requests to `service`, one per status given, in order. */
  refuseNext(service: Service, statuses: number[]): void {
    this.budget[service].push(...statuses);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const { service, operation } = classify(req, body.toString());
      const status = this.budget[service].shift();
      this.calls.push({ service, operation, refusedWith: status ?? 0, at: Date.now() });
      if (status !== undefined) {
        refuse(res, service, status);
        return;
      }
      const upstream = request({
        host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers,
      }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  }
}
