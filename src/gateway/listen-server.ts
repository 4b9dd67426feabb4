import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Start listening; resolves with the bound address as a URL (port 0 picks a free port). */
export function listenServer(
  server: Server,
  port: number,
  host: string,
): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ url: `http://${shownHost}:${address.port}`, port: address.port });
    });
  });
}
