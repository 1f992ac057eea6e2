import { readFileSync } from 'node:fs';
import type { Config } from './config';

/** Connection options shared by the client (API) and the worker's NativeConnection. */
export function temporalConnectionOptions(config: Config) {
  const { tls, apiKey, address } = config.temporal;
  const read = (path?: string) => (path === undefined ? undefined : readFileSync(path));
  return {
    address,
    apiKey,
    tls:
      tls === undefined
        ? undefined
        : {
            serverRootCACertificate: read(tls.caPath),
            clientCertPair:
              tls.certPath !== undefined && tls.keyPath !== undefined
                ? { crt: read(tls.certPath)!, key: read(tls.keyPath)! }
                : undefined,
          },
  };
}
