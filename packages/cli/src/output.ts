import type { Diagnostic } from '@slo-engine/openslo';

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function formatDiagnostic(d: Diagnostic, colour: boolean): string {
  const where = `${d.pos.file}:${d.pos.line}:${d.pos.column}`;
  const sev = d.severity === 'error' ? paint(colour, '31;1', 'error') : paint(colour, '33;1', 'warning');
  const path = d.path ? `${paint(colour, '1', d.path)}: ` : '';
  let out = `${paint(colour, '1', where)} ${sev} ${path}${d.message} [${d.code}]`;
  if (d.object) out += paint(colour, '2', ` (${d.object})`);
  if (d.hint) out += `\n    ${paint(colour, '36', 'hint:')} ${d.hint}`;
  return out;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
