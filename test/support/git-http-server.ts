import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedGitRequest {
  method: string;
  /** Path and query, e.g. `/acme/gitops.git/info/refs?service=git-upload-pack`. */
  url: string;
  /** Whether the request carried the expected credentials (false ones were answered 401). */
  authorized: boolean;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:PORT` — repositories are at `${baseUrl}/OWNER/REPO.git`, as on GitHub. */
  baseUrl: string;
  requests: RecordedGitRequest[];
  close(): Promise<void>;
}

/**
 * Smart HTTP over loopback: `git http-backend` run as CGI for each request, serving the bare
 * repositories under `root` (`root/OWNER/REPO.git`). Like GitHub with an installation token, every
 * request must carry `Authorization: Basic base64(x-access-token:TOKEN)`; anything else gets a 401.
 */
export async function startGitHttpServer(options: { root: string; token: string }): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`x-access-token:${options.token}`).toString('base64')}`;
  const requests: RecordedGitRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === expected;
    requests.push({ method: req.method ?? 'GET', url: `${url.pathname}${url.search}`, authorized });
    if (!authorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"', 'Content-Type': 'text/plain' });
      res.end('Bad credentials\n');
      return;
    }
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(backend.stdin);
    backend.stdin.on('error', () => undefined);

    // CGI output: header lines, a blank line, then the body.
    let head = Buffer.alloc(0);
    let headersSent = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    backend.on('close', () => {
      if (!headersSent) res.writeHead(500);
      res.end();
    });
    backend.on('error', () => {
      if (!headersSent) res.writeHead(500);
      res.end();
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
