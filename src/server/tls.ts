/**
 * TLS certificate material shared by every TLS listener (HTTPS/WSS here; the IRC-over-TLS
 * listener uses the same object). `reload()` re-reads the files and swaps the certificate
 * on every attached server with `setSecureContext`: new handshakes get the new certificate,
 * established connections are untouched. A reload that fails (missing file, key not
 * matching the certificate) keeps the old certificate and throws a readable error.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type Server as TlsServer } from 'node:tls';
import { ConfigError, type Config } from './config.ts';

export interface TlsFiles {
  cert: string;
  key: string;
}

interface Material {
  cert: Buffer;
  key: Buffer;
  context: SecureContext;
}

export class TlsCertificate {
  readonly files: TlsFiles;
  private material: Material;
  private readonly servers = new Set<TlsServer>();

  constructor(files: TlsFiles) {
    this.files = files;
    this.material = load(files);
  }

  /** `cert` and `key` for `https.createServer` / `tls.createServer` options. */
  serverOptions(): { cert: Buffer; key: Buffer } {
    return { cert: this.material.cert, key: this.material.key };
  }

  /** The current secure context (for an `SNICallback`, or `tls.connect({ secureContext })`). */
  context(): SecureContext {
    return this.material.context;
  }

  /** Keeps `server`'s certificate in step with every future reload. */
  attach(server: TlsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  /** Re-reads the files and swaps the certificate on every attached server. */
  reload(): void {
    const next = load(this.files);
    this.material = next;
    for (const s of this.servers) s.setSecureContext({ cert: next.cert, key: next.key });
  }
}

/** The configured certificate, or undefined when TLS is off (both keys empty). */
export function tlsFromConfig(config: Pick<Config, 'tls.cert' | 'tls.key'>): TlsCertificate | undefined {
  const cert = config['tls.cert'];
  const key = config['tls.key'];
  if (cert === '' && key === '') return undefined;
  if (cert === '' || key === '') throw new ConfigError([`tls.cert and tls.key must be set together (got ${cert === '' ? 'only tls.key' : 'only tls.cert'})`]);
  return new TlsCertificate({ cert, key });
}

function load(files: TlsFiles): Material {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError([`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
  };
  const cert = read('tls.cert', files.cert);
  const key = read('tls.key', files.key);
  try {
    return { cert, key, context: createSecureContext({ cert, key }) };
  } catch (err) {
    throw new ConfigError([`invalid TLS certificate/key (${files.cert}, ${files.key}): ${(err as Error).message}`]);
  }
}
