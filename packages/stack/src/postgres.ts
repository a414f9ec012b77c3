import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A private PostgreSQL cluster on loopback (Debian's postgresql package): initdb into a directory of
 * ours, `pg_ctl start` on a chosen port, never the system service. As root, the server runs as the
 * `postgres` user, since PostgreSQL refuses to run as root.
 */

export const POSTGRES_HINT = 'install PostgreSQL with `bash scripts/setup-test-tools.sh` (Debian package postgresql)';

/** The newest installed server's bin directory, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin/initdb'))) : [];
  if (versions.length === 0) throw new Error(`PostgreSQL server binaries not found; ${POSTGRES_HINT}`);
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0]!, 'bin');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL tool, as the postgres user when we are root. */
function pgTool(tool: string, args: string[], opts: { quiet?: boolean } = {}): string {
  const bin = path.join(postgresBin(), tool);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'] });
}

function ownedByPostgres(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
}

export interface PostgresOptions {
  /** Holds data/, the socket and the log; created when missing. */
  dir: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
}

export class PostgresCluster {
  readonly user: string;
  readonly password: string;
  readonly database: string;
  constructor(readonly opts: PostgresOptions) {
    this.user = opts.user ?? 'day';
    this.password = opts.password ?? 'day-local-only';
    this.database = opts.database ?? 'day';
  }

  get dataDir(): string {
    return path.join(this.opts.dir, 'data');
  }
  get socketDir(): string {
    return path.join(this.opts.dir, 'run');
  }
  get logFile(): string {
    return path.join(this.opts.dir, 'postgres.log');
  }
  get url(): string {
    return `postgres://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.opts.port}/${encodeURIComponent(this.database)}`;
  }

  /** initdb (once), start, and create the role and database (once). */
  async start(): Promise<void> {
    ownedByPostgres(this.opts.dir);
    ownedByPostgres(this.socketDir);
    const fresh = !existsSync(path.join(this.dataDir, 'PG_VERSION'));
    if (fresh) {
      ownedByPostgres(this.dataDir);
      const pw = path.join(this.opts.dir, 'pwfile');
      writeFileSync(pw, `${this.password}\n`, { mode: 0o600 });
      if (isRoot()) execFileSync('chown', ['postgres', pw]);
      pgTool('initdb', ['-D', this.dataDir, '-U', this.user, '--pwfile', pw, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-sync'], { quiet: true });
    }
    this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile, '-o', `-p ${this.opts.port} -k ${this.socketDir} -h 127.0.0.1 -c fsync=off -c max_connections=100`]);
    if (fresh) await this.psql(`CREATE DATABASE "${this.database}"`, 'postgres');
  }

  /** Fast shutdown: what the database outage tests use. */
  stop(): void {
    if (this.running()) this.pgCtl(['stop', '-w', '-t', '60', '-m', 'fast']);
  }

  running(): boolean {
    try {
      pgTool('pg_ctl', ['status', '-D', this.dataDir], { quiet: true });
      return true;
    } catch {
      return false;
    }
  }

  private pgCtl(args: string[]): void {
    const [verb, ...rest] = args;
    pgTool('pg_ctl', [verb!, '-D', this.dataDir, ...rest], { quiet: true });
  }

  /** Runs SQL through psql over TCP (so it also proves the password works). */
  psql(sql: string, database = this.database): Promise<string> {
    return new Promise((resolve, reject) => {
      const p = spawn(path.join(postgresBin(), 'psql'), ['-h', '127.0.0.1', '-p', String(this.opts.port), '-U', this.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql], {
        env: { ...process.env, PGPASSWORD: this.password },
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`psql failed (${code}): ${err.trim()}`))));
    });
  }
}
