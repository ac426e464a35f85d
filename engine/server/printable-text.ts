// Client-given text (a token's subject, an action's reason) made safe for a log line: control
// characters (CR, LF, ESC, NUL, BEL ...) and line separators written as escapes, so a client
// cannot forge log lines or drive the operator's terminal; cut to `max` characters.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function printableText(text: string, max = 200): string {
  const escaped = text.replace(UNPRINTABLE, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return escaped.length > max ? `${escaped.slice(0, max)}... (${escaped.length} characters)` : escaped;
}
