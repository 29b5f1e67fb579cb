import net from 'node:net';

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago. Another process can take it
 * before the caller binds it; callers that start servers retry on "address in use".
 */
export async function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('failed to read the port of a listening socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
