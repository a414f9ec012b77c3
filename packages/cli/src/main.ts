#!/usr/bin/env node
import { run } from './program';

// a reader that stops early (`slo compile --help | head`) closes the pipe: that ends the output, not in a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`slo: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
