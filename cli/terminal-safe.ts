import { randomBytes } from 'node:crypto';
import { styleText } from 'node:util';

/**
 * What can move a cursor, retitle a window, reorder or hide text: C0 controls but tab and newline,
 * DEL and C1 controls, formatting characters (U+202E and the other bidirectional overrides, zero-width
 * characters), line and paragraph separators, private-use characters and lone surrogates.
 */
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\p{Cf}\p{Co}\p{Cs}]/gu;

/**
 * Text from history or AWS (commit messages, `--by`, timeline details, error messages) is shown
 * escaped, never interpreted: `\u001b]0;…` prints as those characters, not as a new window title.
 * Inside JSON strings the escape is the same character, so JSON stays valid and means the same
 * (a character past U+FFFF escapes as its two UTF-16 halves, as JSON writes it). Pure.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (character) =>
    Array.from({ length: character.length }, (_, index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`).join(''),
  );
}

export type Colour = 'green' | 'red' | 'yellow' | 'bold' | 'dim';
const COLOURS: ReadonlySet<string> = new Set<Colour>(['green', 'red', 'yellow', 'bold', 'dim']);

// A coloured span is marked with private-use characters and a secret drawn once per process: text
// from history cannot forge a mark (its own private-use characters are escaped like any other).
const SECRET = randomBytes(6).toString('hex');
const OPEN = `\uE000${SECRET}`;
const CLOSE = `\uE002${SECRET}`;
const PAINTED = new RegExp(`${OPEN}(\\w+)\uE001([\\s\\S]*?)${CLOSE}`, 'g');
const MARKS = new RegExp(`${OPEN}\\w+\uE001|${CLOSE}`, 'g');

/** Marks text to be shown in a colour where the terminal takes colour (plain otherwise). Pure. */
export function paint(colour: Colour, text: string): string {
  return `${OPEN}${colour}\uE001${text}${CLOSE}`;
}

/** Colour only on a terminal, and never with NO_COLOR set or TERM=dumb (https://no-color.org). */
export function takesColour(isTerminal: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTerminal && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** What reaches the terminal: every unsafe character escaped, and only this tool's marked spans coloured (or left plain). Pure. */
export function forTerminal(text: string, colour: boolean): string {
  let shown = '';
  let from = 0;
  for (const match of text.matchAll(PAINTED)) {
    const [whole, name, inner] = match as unknown as [string, string, string];
    shown += escapeControlCharacters(text.slice(from, match.index));
    const safe = escapeControlCharacters(inner);
    shown += colour && COLOURS.has(name) ? styleText(name as Colour, safe, { validateStream: false } as never) : safe;
    from = match.index + whole.length;
  }
  return shown + escapeControlCharacters(text.slice(from));
}

/** A row cut to the terminal's width, counting what shows (colour marks take no room, and a cut span stays closed). Pure. */
export function cutToWidth(row: string, width: number): string {
  if (row.replace(MARKS, '').length <= width) return row;
  let kept = '';
  let room = width - 1;
  let open = false;
  let from = 0;
  for (const match of row.matchAll(MARKS)) {
    const text = row.slice(from, match.index);
    kept += text.slice(0, room);
    room -= Math.min(room, text.length);
    if (room === 0) break;
    kept += match[0];
    open = match[0] !== CLOSE;
    from = match.index + match[0].length;
  }
  if (room > 0) kept += row.slice(from, from + room);
  return `${kept}${open ? CLOSE : ''}…`;
}
