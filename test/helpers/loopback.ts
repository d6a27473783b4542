/**
 * A loopback HTTP server standing in for an HTTP API (Secrets Manager, SNS, a Slack webhook): it
 * records every request and answers with what `answer` says.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
}

export interface Answer {
  status?: number;
  /** Content type; application/json by default. */
  type?: string;
  headers?: Record<string, string>;
  body: string;
}

export interface Loopback {
  server: Server;
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export async function loopback(answer: (req: Seen) => Answer): Promise<Loopback> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      const r = { headers: req.headers, body, path: req.url ?? '' };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json', ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
