// @integration: runs Prometheus and the other real components it names
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, template, type K8sObject } from '../support/helm';

/**
 * The postgresql chart's init script and backup job, run for real against a PostgreSQL 15 server of the
 * Debian packages, the way the image runs them:
 *
 *  - The init script is taken from the RENDERED chart (helm template, the ConfigMap's 10-app-role.sh), and
 *    run like the image's entrypoint does on a first start: as the OS user `postgres`, with the database
 *    container's own environment (POSTGRES_USER and POSTGRES_APP_* from the rendered StatefulSet, the
 *    secretKeyRefs resolved from a test Secret whose passwords hold quotes, backslashes, `$`, `;` and
 *    psql's `:'` syntax), PGPASSWORD set to the admin password as the entrypoint exports it, and PGHOST /
 *    PGPORT pointing at this test's server (the entrypoint's temporary server listens on the default
 *    socket; ours is in a temporary directory on a free port). The server itself is started with the
 *    rendered container's args (`-c max_connections=...`).
 *  - The backup command is the rendered CronJob's `dump` container command (destination pvc), run with
 *    that container's environment except for three substitutions: PGHOST=127.0.0.1 and PGPORT=<port>
 *    (the Service in the cluster) and BACKUP_DIR=<temporary dir> (the PVC's mount point, /backups).
 *  - The restore command is the one helm/postgresql/README.md documents (the `pg_restore` line of its
 *    "Restore" section), run with the admin's PG* variables into an empty database and over the live one.
 */

const CHART = path.join(ROOT, 'helm/postgresql');
const README = path.join(CHART, 'README.md');
const PG_ROOT = '/usr/lib/postgresql';

function findBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(path.join(PG_ROOT, v, 'bin/initdb')) && existsSync(path.join(PG_ROOT, v, 'bin/pg_dump')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(PG_ROOT, versions[0]!, 'bin') : undefined;
}
const BIN = findBin();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Passwords a careless script would break on (or be injected by). */
const APP_PASSWORD = `it's "app" \\ $HOME; DROP ROLE postgres; -- :'x' :"y" \`id\``;
const ADMIN_PASSWORD = `adm'in" \\n $(id) ; -- :'v'`;

/** The parts of the rendered objects this test reads, as the chart renders them. */
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  args: string[];
  command: string[];
  env?: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; configMap: { name: string; defaultMode: number } }[];
}
type StatefulSet = K8sObject & { spec: { template: { spec: PodSpec } } };
type CronJob = K8sObject & { spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } } };
type ConfigMap = K8sObject & { data: Record<string, string> };
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): SpawnSyncReturns<string> => spawnSync(cmd, args, { env, input, encoding: 'utf8', timeout: 120_000 });
/** As the OS user postgres when we are root (PostgreSQL refuses root; the image runs as postgres, 999). */
const asPostgres = (cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string) => (isRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], env, input) : run(cmd, args, env, input));
function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}): ${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}
function ownedByPostgres(p: string): void {
  if (isRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(p, uid, gid);
  }
}
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A container's environment as the kubelet would give it, the Secret's keys resolved from `secret`. */
function containerEnv(ctr: Container, secretName: string, secret: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of ctr.env ?? []) {
    if (e.value !== undefined) out[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      expect(ref.name).toBe(secretName);
      if (!(ref.key in secret)) throw new Error(`env ${e.name}: no key ${ref.key} in the test Secret`);
      out[e.name] = secret[ref.key]!;
    } else throw new Error(`env ${e.name}: unexpected source ${JSON.stringify(e)}`);
  }
  return out;
}

// one clear line when the server binaries are missing (Debian package postgresql; scripts/setup-test-tools.sh)
if (!BIN) test.skip(`skipped: no PostgreSQL server binaries (initdb, pg_dump) under ${PG_ROOT}; run bash scripts/setup-test-tools.sh`, () => undefined);
else
  describe('the postgresql chart against a real PostgreSQL: init script, app role privileges, backup and restore', () => {
    const bin = BIN!;
    let dir = '';
    let port = 0;
    let objects: K8sObject[] = [];
    let sts: StatefulSet;
    let dbEnv: Record<string, string> = {};
    const SECRET_NAME = 'day-db-credentials';
    const secret = { password: APP_PASSWORD, 'admin-password': ADMIN_PASSWORD };
    const baseEnv = () => ({ PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, LANG: 'C.UTF-8', HOME: dir });

    /** psql over TCP as `user`; resolves to stdout, or rejects with psql's message. */
    function psql(user: string, password: string, database: string, sql: string): { ok: boolean; out: string; err: string } {
      const r = run(path.join(bin, 'psql'), ['--no-psqlrc', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-c', sql], {
        ...baseEnv(),
        PGPASSWORD: password,
        PGCONNECT_TIMEOUT: '10',
      });
      return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
    }
    const app = (sql: string, db = dbEnv.POSTGRES_APP_DATABASE!) => psql(dbEnv.POSTGRES_APP_USER!, APP_PASSWORD, db, sql);
    const admin = (sql: string, db = 'postgres') => {
      const r = psql(dbEnv.POSTGRES_USER!, ADMIN_PASSWORD, db, sql);
      if (!r.ok) throw new Error(`admin psql failed: ${r.err}`);
      return r.out;
    };

    beforeAll(async () => {
      // the rendered chart: an existing Secret (so that the passwords are ours) and the backup on the PVC
      objects = template(CHART, { namespace: 'slo-demo', set: [`auth.existingSecret=${SECRET_NAME}`, 'backup.enabled=true', 'backup.destination=pvc', 'settings.maxConnections=40'] }).objects;
      sts = objects.find((o) => o.kind === 'StatefulSet') as StatefulSet;
      const ctr = sts.spec.template.spec.containers.find((c) => c.name === 'postgresql')!;
      dbEnv = containerEnv(ctr, SECRET_NAME, secret);

      dir = mkdtempSync(path.join(os.tmpdir(), 'slo-engine-pgchart-'));
      chmodSync(dir, 0o755);
      ownedByPostgres(dir);
      const data = path.join(dir, 'data');
      const run_ = path.join(dir, 'run');
      for (const p of [data, run_]) {
        mkdirSync(p, { mode: 0o700 });
        ownedByPostgres(p);
      }
      port = await freePort();

      // initdb like the image: bootstrap superuser POSTGRES_USER with POSTGRES_PASSWORD, local trust, host scram
      const pwfile = path.join(dir, 'pwfile');
      writeFileSync(pwfile, `${dbEnv.POSTGRES_PASSWORD}\n`, { mode: 0o600 });
      ownedByPostgres(pwfile);
      ok(
        asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', dbEnv.POSTGRES_USER!, '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync'], baseEnv()),
        'initdb',
      );
      rmSync(pwfile);
      // the container's args after "postgres": the chart's settings
      const args: string[] = ctr.args;
      expect(args[0]).toBe('postgres');
      const settings = args.slice(1).join(' ');
      ok(
        asPostgres(
          path.join(bin, 'pg_ctl'),
          ['start', '-w', '-t', '60', '-D', data, '-l', path.join(dir, 'postgres.log'), '-o', `${settings} -p ${port} -k ${run_} -h 127.0.0.1 -c fsync=off`],
          baseEnv(),
        ),
        'pg_ctl start',
      );

      // the init script from the rendered ConfigMap, mounted where the StatefulSet mounts it
      const mount = ctr.volumeMounts.find((m) => m.mountPath === '/docker-entrypoint-initdb.d')!;
      const volume = sts.spec.template.spec.volumes.find((v) => v.name === mount.name)!;
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name) as ConfigMap;
      const scripts = Object.keys(configMap.data);
      expect(scripts).toEqual(['10-app-role.sh']);
      const script = path.join(dir, 'initdb.d', scripts[0]!);
      mkdirSync(path.dirname(script), { mode: 0o755 });
      writeFileSync(script, configMap.data[scripts[0]!]!, { mode: volume.configMap.defaultMode });
      ownedByPostgres(script);
      // executable (defaultMode 0555): the entrypoint runs it with its shebang, as postgres, with the
      // container's environment plus the PGPASSWORD it exports; PGHOST/PGPORT: this server
      expect(volume.configMap.defaultMode & 0o111).toBe(0o111);
      const r = asPostgres(script, [], { ...baseEnv(), ...dbEnv, PGPASSWORD: dbEnv.POSTGRES_PASSWORD, PGHOST: run_, PGPORT: String(port) });
      ok(r, `the init script (${r.stdout})`);
    }, 180_000);

    afterAll(() => {
      if (dir && existsSync(path.join(dir, 'data/postmaster.pid'))) asPostgres(path.join(bin, 'pg_ctl'), ['stop', '-w', '-t', '60', '-m', 'fast', '-D', path.join(dir, 'data')], baseEnv());
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the server runs with the chart’s settings', () => {
      expect(admin('SHOW max_connections')).toBe('40');
    });

    it('the app role logs in with its password (special characters and all) and owns its database', () => {
      const who = app('SELECT current_user, current_database()');
      expect(who).toEqual({ ok: true, out: `${dbEnv.POSTGRES_APP_USER}|${dbEnv.POSTGRES_APP_DATABASE}`, err: '' });
      expect(dbEnv.POSTGRES_APP_USER).toBe('day');
      expect(dbEnv.POSTGRES_USER).toBe('postgres');
      expect(admin(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'day'`)).toBe('day');
      expect(admin(`SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'day'`)).toBe('f|f|f|f|f|t');
      // the password was stored as a SCRAM verifier, not as text
      expect(admin(`SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'day'`)).toBe('t');
      // the wrong password is refused
      expect(psql('day', 'nope', 'day', 'SELECT 1').ok).toBe(false);
    });

    it('the app role creates tables in its database', () => {
      expect(app('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL); INSERT INTO items SELECT g, $$item $$ || g FROM generate_series(1, 250) g;').ok).toBe(true);
      expect(app('SELECT count(*) FROM items').out).toBe('250');
    });

    it('the app role cannot create roles or databases', () => {
      const role = app('CREATE ROLE intruder LOGIN');
      expect(role.ok).toBe(false);
      expect(role.err).toMatch(/permission denied to create role/);
      const db = app('CREATE DATABASE elsewhere');
      expect(db.ok).toBe(false);
      expect(db.err).toMatch(/permission denied to create database/);
      const grant = app('ALTER ROLE day SUPERUSER');
      expect(grant.ok).toBe(false);
    });

    it('the app role cannot connect to the postgres and template databases', () => {
      for (const other of ['postgres', 'template1', 'template0']) {
        const r = app('SELECT 1', other);
        expect([other, r.ok]).toEqual([other, false]);
        expect(r.err).toMatch(new RegExp(`permission denied for database "${other}"|database "${other}" is not currently accepting connections`));
      }
      // nor can any other ordinary role reach the app's database (PUBLIC has no CONNECT on it)
      admin(`CREATE ROLE bystander LOGIN PASSWORD 'bystander'`);
      const r = psql('bystander', 'bystander', 'day', 'SELECT 1');
      expect(r.ok).toBe(false);
      expect(r.err).toMatch(/permission denied for database "day"/);
      admin('DROP ROLE bystander');
    });

    describe('backup (the CronJob’s command, destination pvc) and restore (the README’s command)', () => {
      let backups = '';
      let dumpEnv: Record<string, string> = {};
      let command: string[] = [];
      const rows = (db: string) => admin('SELECT id, name FROM items ORDER BY id', db);

      beforeAll(() => {
        const cron = objects.find((o) => o.kind === 'CronJob') as CronJob;
        const pod = cron.spec.jobTemplate.spec.template.spec;
        const dump = pod.containers.find((c) => c.name === 'dump')!;
        command = dump.command;
        expect(command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
        expect(dump.volumeMounts.find((m) => m.name === 'backups')!.mountPath).toBe('/backups');
        dumpEnv = containerEnv(dump, SECRET_NAME, secret);
        expect(dumpEnv).toMatchObject({ PGUSER: 'postgres', PGPASSWORD: ADMIN_PASSWORD, PGDATABASE: 'day', BACKUP_DIR: '/backups', BACKUP_RETENTION: '7' });
        backups = path.join(dir, 'backups');
        mkdirSync(backups, { mode: 0o700 });
        ownedByPostgres(backups);
      });

      const runBackup = () => asPostgres(command[0]!, command.slice(1), { ...baseEnv(), ...dumpEnv, PGHOST: '127.0.0.1', PGPORT: String(port), BACKUP_DIR: backups });

      it('writes a custom-format dump named by UTC time, readable by its owner only, and prunes beyond the retention', () => {
        // eight older dumps and the leftover of an interrupted run
        const old = Array.from({ length: 8 }, (_, i) => `day-2020010${i + 1}T030000Z.dump`);
        for (const f of [...old, 'day-20200109T030000Z.dump.partial', 'unrelated.txt']) {
          writeFileSync(path.join(backups, f), 'old');
          ownedByPostgres(path.join(backups, f));
        }
        const before = Date.now();
        const r = runBackup();
        ok(r, 'the backup command');
        const files = readdirSync(backups).sort();
        const fresh = files.filter((f) => !old.includes(f) && f !== 'unrelated.txt');
        expect(fresh).toHaveLength(1);
        const m = /^day-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/.exec(fresh[0]!);
        expect(m).not.toBeNull();
        const stamp = Date.UTC(Number(m![1]), Number(m![2]) - 1, Number(m![3]), Number(m![4]), Number(m![5]), Number(m![6]));
        expect(stamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
        expect(stamp).toBeLessThanOrEqual(Date.now());
        // the newest 7 dumps: this one and the six latest of the old ones; the partial file is gone; other files are left alone
        expect(files).toEqual([...old.slice(2), fresh[0], 'unrelated.txt'].sort());
        expect(r.stdout).toMatch(/pruned day-20200101T030000Z\.dump/);
        const file = path.join(backups, fresh[0]!);
        expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
        expect(statSync(file).mode & 0o077).toBe(0);
      });

      it('the README’s restore command brings the rows back into an empty database, and over a changed one', () => {
        const readme = readFileSync(README, 'utf8');
        const restoreSection = readme.slice(readme.indexOf('## Restore'));
        const line = /^(pg_restore --clean --if-exists .*)$/m.exec(restoreSection)?.[1];
        expect(line).toBeDefined();
        const dump = readdirSync(backups)
          .filter((f) => /^day-\d{8}T\d{6}Z\.dump$/.test(f))
          .sort()
          .pop()!;
        const original = rows('day');
        expect(original.split('\n')).toHaveLength(250);

        const restore = (database: string) =>
          asPostgres('/bin/sh', ['-c', line!], {
            ...baseEnv(),
            PGHOST: '127.0.0.1',
            PGPORT: String(port),
            PGUSER: 'postgres',
            PGPASSWORD: ADMIN_PASSWORD,
            PGDATABASE: database,
            DUMP: path.join(backups, dump),
          });

        // into an empty database
        admin('CREATE DATABASE restored OWNER day');
        ok(restore('restored'), 'pg_restore into an empty database');
        expect(rows('restored')).toBe(original);
        expect(admin(`SELECT tableowner FROM pg_tables WHERE tablename = 'items'`, 'restored')).toBe('day');

        // over the live database after a bad change
        expect(app('DELETE FROM items WHERE id > 10; UPDATE items SET name = $$x$$; CREATE TABLE junk (x int);').ok).toBe(true);
        ok(restore('day'), 'pg_restore over the live database');
        expect(rows('day')).toBe(original);
        // the app still works on what was restored
        expect(app('INSERT INTO items VALUES (1000, $$after$$)').ok).toBe(true);
        expect(app('SELECT count(*) FROM items').out).toBe('251');
      });
    });
  });
