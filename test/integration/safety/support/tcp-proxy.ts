/**
 * A TCP proxy on loopback that a test can cut, to take one client off the network while its
 * peers still reach the server. TLS passes through unchanged, so the client still verifies
 * the server's certificate.
 */
import net, { type AddressInfo, type Socket } from 'node:net';

export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<Socket>();
  private readonly target: { host: string; port: number };

  private constructor(target: { host: string; port: number }) {
    this.target = target;
    this.server = net.createServer((client) => this.forward(client));
  }

  /** Starts a proxy on 127.0.0.1 and a free port that forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Closes every open connection and refuses new ones, as when the network to the server fails. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private forward(client: Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  }
}
