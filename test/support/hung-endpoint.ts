/**
 * A loopback TCP endpoint that accepts connections and never answers a byte: the hung AWS
 * endpoint of issue 12. It counts the connections currently open, so tests can prove that
 * cancelled requests leave no socket behind.
 */
import net from 'node:net';

export interface HungEndpoint {
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections still open right now (the peer has not closed them). */
  readonly open: number;
  /** Resolves once `open` is 0 (at once if it already is). */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function startHungEndpoint(): Promise<HungEndpoint> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let waiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    // Read and discard: the request arrives, no answer ever leaves.
    socket.on('data', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        for (const resolve of waiters) resolve();
        waiters = [];
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    allClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
