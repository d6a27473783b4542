/** The mute page on a Node HTTP server (`rekwatch serve`): request -> handlePage -> response. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handlePage, type PageDeps } from './app';

const MAX_BODY = 16 * 1024;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
      if (body.length > MAX_BODY) {
        resolve(null);
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export interface MuteServer {
  url: string;
  close(): Promise<void>;
}

export async function startMuteServer(deps: PageDeps, options: { host: string; port: number; onError?: (e: unknown) => void }): Promise<MuteServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const body = req.method === 'POST' ? await readBody(req) : '';
        if (body === null) {
          res.writeHead(413).end();
          return;
        }
        const url = new URL(req.url ?? '/', 'http://localhost');
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const out = await handlePage({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body }, deps);
        res.writeHead(out.status, { ...out.headers, ...(out.cookies.length ? { 'set-cookie': out.cookies } : {}) });
        res.end(req.method === 'HEAD' ? undefined : out.body);
      } catch (e) {
        options.onError?.(e);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('rekwatch: internal error (see the serve log)');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
