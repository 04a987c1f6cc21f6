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
