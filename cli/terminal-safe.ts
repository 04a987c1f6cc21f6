import { styleText } from 'node:util';

/** C0 controls but tab and newline, DEL, and C1 controls: what can move a cursor, retitle a window, or hide text. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from history or AWS (commit messages, `--by`, timeline details, error messages) is shown
 * escaped, never interpreted: `\u001b]0;…` prints as those characters, not as a new window title.
 * Inside JSON strings the escape is the same character, so JSON stays valid and means the same. Pure.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type Colour = 'green' | 'red' | 'yellow' | 'bold' | 'dim';
const COLOURS: ReadonlySet<string> = new Set<Colour>(['green', 'red', 'yellow', 'bold', 'dim']);

// Private-use characters mark a coloured span; only the terminal writer turns them into colour, after escaping.
const PAINTED = /\uE000(\w+)\uE001([^\uE002]*)\uE002/g;

/** Marks text to be shown in a colour where the terminal takes colour (plain otherwise). Pure. */
export function paint(colour: Colour, text: string): string {
  return `\uE000${colour}\uE001${text}\uE002`;
}

/** Colour only on a terminal, and never with NO_COLOR set or TERM=dumb (https://no-color.org). */
export function takesColour(isTerminal: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTerminal && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** What reaches the terminal: every control character escaped, then the marked spans coloured (or left plain). Pure. */
export function forTerminal(text: string, colour: boolean): string {
  return escapeControlCharacters(text).replace(PAINTED, (_, name: string, inner: string) => (colour && COLOURS.has(name) ? styleText(name as Colour, inner, { validateStream: false } as never) : inner));
}

/** A row cut to the terminal's width, counting what shows (colour marks take no room). Pure. */
export function cutToWidth(row: string, width: number): string {
  const marks = row.length - row.replace(/\uE000\w+\uE001|\uE002/g, '').length;
  return row.length - marks > width ? `${row.slice(0, width - 1 + marks)}…` : row;
}
