/**
 * A TCP listener on 127.0.0.1 that accepts connections and never answers: the network failure that no
 * error code reports, only a timeout. Optionally, an HTTP front for a real local endpoint (moto) that
 * forwards every request except those `hang` picks, which it accepts and never answers.
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Socket } from 'node:net';

export interface BlackHole {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** `127.0.0.1:<port>` */
  hostPort: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Requests held without an answer so far (selective black hole only). */
  held(): number;
  close(): Promise<void>;
}

function listen(server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown }): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

type Listening = { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown; close: (cb: () => void) => unknown };

/** Listens on a free loopback port; closing destroys the connections still open, so nothing waits on them. */
async function opened(server: Listening, sockets: Set<Socket>, connections: () => number, held: () => number): Promise<BlackHole> {
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    connections,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    // Read and drop whatever the client sends; never write a byte back.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return opened(server, sockets, () => accepted, () => 0);
}

/** What `hang` is told of each request: the JSON protocol's operation (X-Amz-Target) and the body text. */
export interface HeldRequest {
  target: string;
  body: string;
}

/**
 * Forwards requests to `upstream` (moto) and relays its answers, except the requests `hang` returns true for:
 * those are read and never answered.
 */
export async function startSelectiveBlackHole(upstream: string, hang: (request: HeldRequest) => boolean): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let held = 0;
  const server = createHttpServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (hang({ target, body: body.toString('utf8') })) {
        held++;
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      fetch(`${upstream}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body })
        .then(async (answer) => {
          const text = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'content-length': String(text.length) });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return opened(server, sockets, () => accepted, () => held);
}
