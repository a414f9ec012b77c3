/**
 * The local stack's webhook receiver: what Alertmanager delivers, one JSON line per notification in a file
 * (`{ "receivedAt", "receiver", "notification" }`), so that `pnpm stack notifications` and tests can read it.
 * Run detached by `pnpm stack up`: node dist/receiver.js <port> <file>.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, file] = process.argv.slice(2);
if (!port || !file) {
  process.stderr.write('usage: receiver.js <port> <file>\n');
  process.exit(2);
}

// 1 MiB is far more than a notification of a few alerts; a larger body is refused, not buffered
const MAX_BODY = 1 << 20;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/-/ready') {
    res.end('ok');
    return;
  }
  if (req.method !== 'POST') {
    res.statusCode = 405;
    res.end();
    return;
  }
  let body = '';
  let size = 0;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    size += Buffer.byteLength(chunk);
    if (size > MAX_BODY) req.destroy();
    else body += chunk;
  });
  req.on('end', () => {
    try {
      const notification = JSON.parse(body) as unknown;
      // the route's receiver is the path: /slo-day-oncall
      appendFileSync(file, `${JSON.stringify({ receivedAt: new Date().toISOString(), receiver: (req.url ?? '/').slice(1), notification })}\n`);
      res.end();
    } catch {
      res.statusCode = 400;
      res.end();
    }
  });
});
server.listen(Number(port), '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
