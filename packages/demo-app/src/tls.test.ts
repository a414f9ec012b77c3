// @integration: runs PostgreSQL
/**
 * DB_SSL_MODE against a real PostgreSQL with ssl=on and a self-signed certificate made with openssl
 * here. The certificate names localhost only: connecting to 127.0.0.1, verify-ca (no host name check)
 * must pass where verify-full must fail; connecting to localhost, verify-full passes.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { Client } from 'pg';
import { connectionOptions, startServer, type DbSsl } from '.';
import { memoryLogger, startPostgres, testConfig, type TestDatabase } from '../test/support';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

if (!hasOpenssl) {
  it('TLS to PostgreSQL (skipped: openssl not found on PATH)', () => {
    process.stdout.write('tls.test: skipped, openssl not found on PATH (the DB_SSL_MODE mapping is unit-tested in config.test.ts)\n');
  });
} else {
  let db: TestDatabase;
  let certDir: string;
  let ca: string;

  beforeAll(async () => {
    db = await startPostgres();
    certDir = mkdtempSync(path.join(os.tmpdir(), 'day-tls-'));
    const crt = path.join(certDir, 'server.crt');
    const key = path.join(certDir, 'server.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], {
      stdio: 'ignore',
    });
    ca = readFileSync(crt, 'utf8');
    // PostgreSQL's defaults are server.crt and server.key in the data directory; the key must be the server user's, 0600
    for (const [from, name] of [
      [crt, 'server.crt'],
      [key, 'server.key'],
    ] as const) {
      const to = path.join(db.pg.dataDir, name);
      writeFileSync(to, readFileSync(from), { mode: 0o600 });
      if (process.getuid?.() === 0) {
        const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
        chownSync(to, id('-u'), id('-g'));
      }
    }
    await db.pg.psql('ALTER SYSTEM SET ssl = on');
    await db.pg.psql('SELECT pg_reload_conf()');
    expect(await db.pg.psql('SHOW ssl')).toBe('on');
  });

  afterAll(() => {
    db?.cleanup();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  /** Connects with the options the app would use; resolves whether the session is encrypted. */
  async function connect(ssl: DbSsl, host = '127.0.0.1'): Promise<boolean> {
    const url = db.pg.url.replace('@127.0.0.1:', `@${host}:`);
    const client = new Client({ ...connectionOptions({ ...testConfig(url), dbSsl: ssl }), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return rows[0]!.ssl;
    } finally {
      await client.end();
    }
  }

  it('require: encrypted, although the certificate is self-signed and does not name the host', async () => {
    expect(await connect({ mode: 'require' })).toBe(true);
  });

  it('disable: not encrypted', async () => {
    expect(await connect({ mode: 'disable' })).toBe(false);
  });

  it('verify-ca with the CA: encrypted; the host name is not checked', async () => {
    expect(await connect({ mode: 'verify-ca', ca })).toBe(true);
  });

  it('verify-full with the CA: refused for 127.0.0.1, which the certificate does not name', async () => {
    await expect(connect({ mode: 'verify-full', ca })).rejects.toThrow(/127\.0\.0\.1|altnames|Hostname/i);
  });

  it('verify-full with the CA: encrypted when connecting to the name in the certificate', async () => {
    expect(await connect({ mode: 'verify-full', ca }, 'localhost')).toBe(true);
  });

  it("verify-ca without a CA file: Node's default CAs do not know a self-signed certificate", async () => {
    await expect(connect({ mode: 'verify-ca' })).rejects.toThrow(/self[- ]signed/i);
  });

  it('the app with DB_SSL_MODE=require: the pool and the readiness connection are both encrypted', async () => {
    const running = await startServer(testConfig(db.pg.url, { dbSsl: { mode: 'require' } }), { log: memoryLogger() });
    try {
      await running.migrated;
      expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${running.url}/api/day?date=2024-02-29`)).status).toBe(200);
      const rows = await db.pg.psql("SELECT application_name || ':' || s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE application_name LIKE 'day%' ORDER BY 1");
      const seen = new Set(rows.split('\n'));
      expect(seen).toEqual(new Set(['day:true', 'day-health:true']));
    } finally {
      await running.shutdown('test end');
    }
  });
}
