#!/usr/bin/env node
import { run } from './program';

run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`slo: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
