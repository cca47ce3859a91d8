import * as net from 'node:net';

/**
 * A TCP proxy in front of a server that counts the bytes clients send through it and, when armed, cuts the
 * connection (both sides) once `cutAfterBytes` more bytes have gone upstream — a network failure mid-upload.
 */
export interface CuttingProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  host: string;
  port: number;
  /** Bytes sent by clients to the server through the proxy, all connections together. */
  readonly bytesUp: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Cut the connection carrying the byte at `bytesUp + n` (once): partway through whatever is being sent. */
  arm(n: number): void;
  /**
   * Cut the connection just before the `nth` (1-based) request starting with `method` from now on reaches the
   * server (once): the connection drops between requests, so the server holds exactly what it acknowledged.
   */
  armBeforeRequest(method: string, nth: number): void;
  /**
   * Like armBeforeRequest, but the connection is held instead of cut: that request never reaches the server
   * and never gets an answer (a network that stalls), until the client gives up or its process dies.
   * `held` resolves when a request is being held.
   */
  holdBeforeRequest(method: string, nth: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCuttingProxy(target: { host: string; port: number }, opts: { cutAfterBytes?: number } = {}): Promise<CuttingProxy> {
  let bytesUp = 0;
  let cuts = 0;
  let cutAt: number | undefined = opts.cutAfterBytes;
  let before: { pattern: Buffer; left: number; hold?: () => void } | undefined;
  let tail = Buffer.alloc(0);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    let holding = false;
    client.on('data', (chunk: Buffer) => {
      if (holding) return;
      if (before) {
        const window = Buffer.concat([tail, chunk]);
        for (let i = window.indexOf(before.pattern); i >= 0; i = window.indexOf(before.pattern, i + 1)) {
          if (i + before.pattern.length <= tail.length) continue; // counted with the previous chunk
          if (--before.left > 0) continue;
          const hold = before.hold;
          before = undefined;
          const keep = Math.max(0, i - tail.length);
          bytesUp += keep;
          if (hold) {
            holding = true;
            if (keep > 0) upstream.write(chunk.subarray(0, keep));
            hold();
            return;
          }
          cuts++;
          if (keep > 0) upstream.write(chunk.subarray(0, keep), () => close());
          else close();
          return;
        }
        tail = window.subarray(Math.max(0, window.length - 16));
      }
      if (cutAt !== undefined && bytesUp + chunk.length >= cutAt) {
        const keep = Math.max(0, cutAt - bytesUp);
        bytesUp += keep;
        cutAt = undefined;
        cuts++;
        if (keep > 0) upstream.write(chunk.subarray(0, keep), () => close());
        else close();
        return;
      }
      bytesUp += chunk.length;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    port,
    get bytesUp() {
      return bytesUp;
    },
    get cuts() {
      return cuts;
    },
    arm(n: number) {
      cutAt = bytesUp + n;
    },
    holdBeforeRequest(method: string, nth: number) {
      tail = Buffer.alloc(0);
      return new Promise<void>((resolve) => (before = { pattern: Buffer.from(`${method} /v2/`), left: nth, hold: resolve }));
    },
    armBeforeRequest(method: string, nth: number) {
      before = { pattern: Buffer.from(`${method} /v2/`), left: nth };
      tail = Buffer.alloc(0);
    },
    stop() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
