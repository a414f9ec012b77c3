import type { PathSeg, SourcePos } from './diagnostics';
import type { RawObject } from './source';

/**
 * Maps an offset inside a string value to its line and column in the file, so that a PromQL error
 * points at the character in the YAML. Exact for plain, quoted and literal-block scalars without escapes;
 * other styles fall back to the start of the value.
 */
export function positionInScalar(raw: RawObject, path: readonly PathSeg[], value: string, offset: number): SourcePos {
  const src = raw.scalarSource(path);
  const start = raw.locate(path);
  if (!src) return start;
  const text = raw.text.slice(src.offset, src.end);
  // never point past the value's last character (an "unexpected end" sits right after it)
  offset = Math.min(offset, value.replace(/\s+$/, '').length);
  const at = (abs: number): SourcePos => raw.posAt(Math.min(abs, src.end));
  if ((src.type === 'PLAIN' || src.type === 'QUOTE_DOUBLE' || src.type === 'QUOTE_SINGLE') && !value.includes('\n')) {
    const skip = src.type === 'PLAIN' ? 0 : 1;
    if (text.slice(skip, skip + value.length) === value) return at(src.offset + skip + offset);
    return start;
  }
  if (src.type === 'BLOCK_LITERAL') {
    const before = value.slice(0, offset);
    const lineNo = before.split('\n').length - 1;
    const col = offset - (before.lastIndexOf('\n') + 1);
    const bodyStart = text.indexOf('\n');
    if (bodyStart < 0) return start;
    const lines = text.slice(bodyStart + 1).split('\n');
    // The indentation is what the source line has in front of the value's line (this also covers |2, |4-).
    const valueLines = value.split('\n');
    const k = valueLines.findIndex((l) => l.trim() !== '');
    const src0 = k >= 0 ? (lines[k] ?? '') : '';
    const indent = k >= 0 && src0.endsWith(valueLines[k]!) ? src0.length - valueLines[k]!.length : (/^ */.exec(src0)?.[0].length ?? 0);
    let abs = src.offset + bodyStart + 1;
    for (let i = 0; i < lineNo && i < lines.length; i++) abs += (lines[i]?.length ?? 0) + 1;
    return at(abs + indent + col);
  }
  return start;
}
