/**
 * Word wrapping for the text report: a message continues under its own first character (a hanging indent), lines
 * break only at spaces, so an ARN, a JSON path or any word longer than the line is left whole (and long), never cut.
 */

/** The narrowest a wrapped message gets, however narrow the terminal: below it, every word would stand alone. */
export const MIN_MESSAGE_WIDTH = 20;

// eslint-disable-next-line no-control-regex -- colour codes are what is measured away
const SGR = /\u001b\[[0-9;]*m/g;
/** Combining marks and zero-width characters: they take no column. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufeff]$/u;
/** East Asian wide and fullwidth characters and emoji: two columns each. */
const WIDE = /^[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]$/u;

/** The columns `text` takes on a terminal: colour codes take none, wide characters two. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const ch of text.replace(SGR, '')) width += ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

/**
 * `text` cut into lines of at most `width` columns, at spaces only (the spaces at a cut are dropped). A word wider
 * than `width` gets a line of its own, whole.
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (visibleWidth(rest) > width) {
    const cut = cutAt(rest, width);
    if (cut === undefined) break;
    lines.push(rest.slice(0, cut).replace(/ +$/, ''));
    rest = rest.slice(cut).replace(/^ +/, '');
  }
  lines.push(rest);
  return lines;
}

/**
 * Where to cut `text` to fit `width`: at its last space that fits, else (the first word is too long) after the
 * first word. Undefined when no space follows a word: nothing to cut at.
 */
function cutAt(text: string, width: number): number | undefined {
  let columns = 0;
  let lastSpace: number | undefined;
  let inWord = false;
  let i = 0;
  for (const ch of text) {
    if (ch === ' ' && inWord) {
      if (columns > width) return lastSpace ?? i;
      lastSpace = i;
    }
    if (ch !== ' ') inWord = true;
    columns += visibleWidth(ch);
    i += ch.length;
  }
  return columns > width ? lastSpace : undefined;
}

/**
 * `prefix` then `text`, wrapped to `width` columns (unset: one line) with the continuation lines under the text's
 * first character; `style` (a colour) is applied to each piece of text, never to the indent.
 */
export function hangingLines(prefix: string, text: string, width: number | undefined, style: (s: string) => string = (s) => s): string[] {
  const indent = visibleWidth(prefix);
  const pieces = width === undefined ? [text] : wrapWords(text, Math.max(width - indent, MIN_MESSAGE_WIDTH));
  return pieces.map((piece, i) => `${i === 0 ? prefix : ' '.repeat(indent)}${style(piece)}`);
}

/** A terminal width from a number or COLUMNS: a whole number of columns, from 1 to 10000; anything else is none. */
function columnsOf(value: number | string | undefined): number | undefined {
  const n = typeof value === 'string' ? (/^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN) : value;
  return n !== undefined && Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : undefined;
}

/** The width taken for a terminal that does not tell its own. */
export const DEFAULT_TERMINAL_WIDTH = 80;

/**
 * How wide the text report's messages may run. On a terminal: its width, else COLUMNS, else 80. Piped or written to
 * a file: COLUMNS when it is set, else no wrapping at all (one line per message, whole for grep).
 */
export function textWidth(io: { isTty: boolean; columns?: number; env: NodeJS.ProcessEnv }): number | undefined {
  const fromEnv = columnsOf(io.env.COLUMNS);
  if (!io.isTty) return fromEnv;
  return columnsOf(io.columns) ?? fromEnv ?? DEFAULT_TERMINAL_WIDTH;
}
