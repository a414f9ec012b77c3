import type { Bundle, Segment } from './bundle';
import { formatLocation } from './errors';

/**
 * Reads jrsonnet's error text (its "compact" trace format) for a bundle and maps every position back to
 * the user's files. The format, as this library prints it:
 *
 *     runtime error: boom                        <- message, possibly several lines
 *         snippet:12:5-18: error statement        <- innermost frame first, line:column-endcolumn
 *         snippet:20:1-32: function <f> call
 *         field <a> manifestification             <- frames without a position
 *
 * A syntax error has one frame, `snippet:L:C`, without a description. A frame spanning several lines is
 * printed with a wrong column (jrsonnet prints the end column there), so only its line is kept.
 *
 * jrsonnet turns a source offset into line and column by walking the text's characters and stopping at
 * the character whose index equals the offset, but the offset counts UTF-8 bytes: after any non-ASCII
 * character the printed position is too far on, by one per extra byte before it, anywhere in the program.
 * The printed position therefore names the character at index B, where B is the true byte offset. This is
 * inverted here: exactly when the column is printed, to the printed line when it is not. bundle.ts keeps
 * most non-ASCII text out of the program, so this matters only after verbatim strings and text blocks.
 */

export interface Where {
  file: string;
  line: number;
  column?: number;
}

export interface Frame {
  /** Absent for frames without a position. */
  where?: Where;
  /** In one of the user's files (the entry or a file it imports). */
  inUserFile: boolean;
  /** In code generated around the user's files. */
  generated: boolean;
  desc: string;
}

export interface TraceReport {
  message: string;
  frames: Frame[];
  /** The innermost position in a user's file. */
  primary?: Where;
  /** The innermost positioned frame is generated code, e.g. the call of the user's function. */
  failedInGeneratedCode: boolean;
}

// `snippet` is the file name the library's evaluateSnippet gives every program
const FRAME = /^ {4}(snippet|<[^>]+>|\S+?):(\d+):(\d+)(?:-(\d+)(?::(\d+))?)?(?::\s+(.*))?$/;
const MAX_FRAMES = 12;

/** 1-based character column of a 1-based UTF-8 byte column in `line`. */
function characterColumn(line: string, byteColumn: number): number {
  let bytes = 1;
  let chars = 1;
  for (const ch of line) {
    if (bytes >= byteColumn) return chars;
    bytes += utf8Length(ch);
    chars++;
  }
  return chars + Math.max(0, byteColumn - bytes);
}

function utf8Length(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Where each line of the program starts, counted in characters and in UTF-8 bytes. */
interface LineStarts {
  chars: number[];
  bytes: number[];
}

function lineStarts(code: string): LineStarts {
  const starts: LineStarts = { chars: [0], bytes: [0] };
  let chars = 0;
  let bytes = 0;
  for (const ch of code) {
    chars++;
    bytes += utf8Length(ch);
    if (ch === '\n') {
      starts.chars.push(chars);
      starts.bytes.push(bytes);
    }
  }
  return starts;
}

/**
 * The true line and byte column of a position as jrsonnet prints it (see the top of this file). Without
 * a column the position is somewhere on the printed line; its last character is taken, which lies on the
 * printed line unless non-ASCII text before it pushed a whole line's length.
 */
function truePosition(starts: LineStarts, line: number, column: number | undefined): { line: number; byteColumn: number } {
  const lineStart = starts.chars[line - 1];
  const nextLineStart = starts.chars[line];
  if (lineStart === undefined || (column === undefined && nextLineStart === undefined)) return { line, byteColumn: column ?? 1 };
  const offset = column === undefined ? (nextLineStart as number) - 1 : lineStart + column - 1;
  let lo = 0;
  let hi = starts.bytes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts.bytes[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, byteColumn: offset - (starts.bytes[lo] as number) + 1 };
}

function segmentAt(bundle: Bundle, line: number): Segment | undefined {
  return bundle.segments.find((s) => line >= s.firstLine && line < s.firstLine + s.codeLines.length);
}

/** The line that closes a segment's parenthesis: where a file whose expression ends too early fails. */
function segmentClosedAt(bundle: Bundle, line: number): Segment | undefined {
  return bundle.segments.find((s) => line === s.firstLine + s.codeLines.length);
}

/** The written column (1-based, in characters) of a byte column of a bundled line. */
function writtenColumn(segment: Segment, index: number, byteColumn: number): number {
  const column = characterColumn(segment.codeLines[index] ?? '', byteColumn);
  const map = segment.columnMaps.get(index);
  if (!map) return column;
  const written = map[column - 1];
  return written !== undefined ? written + 1 : (map[map.length - 1] ?? -1) + 2 + (column - 1 - map.length);
}

function mapFrame(bundle: Bundle, starts: LineStarts, m: RegExpMatchArray): Frame {
  // an end position (C-E, or L:C-L:E over several lines) only tells whether the column is trustworthy
  const [, file = '', lineText = '', colText = '', , endColText, desc = ''] = m;
  if (file !== 'snippet') {
    // the standard library and the like: shown as the engine prints it
    return { where: { file, line: Number(lineText), column: Number(colText) }, inUserFile: false, generated: false, desc };
  }
  const columnKnown = endColText === undefined;
  const { line, byteColumn } = truePosition(starts, Number(lineText), columnKnown ? Number(colText) : undefined);
  const segment = segmentAt(bundle, line);
  if (segment) {
    const index = line - segment.firstLine;
    const where: Where = { file: segment.display, line: index + 1 };
    if (columnKnown) where.column = writtenColumn(segment, index, byteColumn);
    return { where, inUserFile: true, generated: false, desc };
  }
  const closed = segmentClosedAt(bundle, line);
  if (closed && desc === '') {
    const lastLine = closed.lines.length;
    const where: Where = { file: closed.display, line: lastLine, column: [...(closed.lines[lastLine - 1] ?? '')].length + 1 };
    return { where, inUserFile: true, generated: false, desc: 'end of file' };
  }
  return { inUserFile: false, generated: true, desc };
}

export function readTrace(trace: string, bundle: Bundle): TraceReport {
  const lines = trace.replace(/\n+$/, '').split('\n');
  let first = lines.findIndex((l, i) => i > 0 && FRAME.test(l));
  if (first === -1) {
    // no positions at all: trailing indented lines are the frames
    first = lines.length;
    while (first > 1 && lines[first - 1]?.startsWith('    ')) first--;
  }
  const starts = lineStarts(bundle.code);
  const frames: Frame[] = lines.slice(first).map((l) => {
    const m = l.match(FRAME);
    return m ? mapFrame(bundle, starts, m) : { inUserFile: false, generated: false, desc: l.trim() };
  });
  const positioned = frames.filter((f) => f.where !== undefined || f.generated);
  let message = lines.slice(0, first).join('\n');
  // the parser ran into the parenthesis closing the file: to the user, the file ended
  if (frames.some((f) => f.desc === 'end of file')) message = message.replace(/got "\)"$/, 'got the end of the file');
  const report: TraceReport = {
    message,
    frames,
    failedInGeneratedCode: positioned[0]?.generated ?? false,
  };
  const primary = frames.find((f) => f.inUserFile)?.where;
  if (primary) report.primary = primary;
  return report;
}

function formatWhere(w: Where): string {
  return formatLocation(w.file, w.line, w.column);
}

/** The frames as indented lines, generated code left out, long traces (deep recursion) shortened. */
export function renderFrames(frames: Frame[]): string[] {
  const shown = frames.filter((f) => !f.generated);
  const out = shown.slice(0, MAX_FRAMES).map((f) => {
    if (!f.where) return `    ${f.desc}`;
    return f.desc ? `    ${formatWhere(f.where)}: ${f.desc}` : `    ${formatWhere(f.where)}`;
  });
  if (shown.length > MAX_FRAMES) out.push(`    ... ${shown.length - MAX_FRAMES} more frames`);
  return out;
}
