// Parses indicator SPEC strings and tokens (syntax only; parameter rules live in the registry):
//   spec  := token ("," token)*
//   token := name (":" param)* ("." output)? ("@" transform ":" k)*
// e.g. `ema:20`, `bb:20:2.pctb`, `bb:20:2.5.upper@diff:1`, `ema:20@slope:5@lag:1`.
// A "." followed by a letter starts the output selector; followed by a digit it is a decimal point.
import { IndicatorSpecError } from './indicator-spec-error.js';

export interface TransformSuffix {
  readonly name: string;
  readonly rawParams: readonly string[];
}

export interface ParsedToken {
  /** The token exactly as written (trimmed): it names the output column. */
  readonly text: string;
  readonly name: string;
  readonly rawParams: readonly string[];
  readonly output?: string;
  readonly transforms: readonly TransformSuffix[];
}

const NAME = /^[a-z][a-z0-9_]*$/;
const OUTPUT_SELECTOR = /\.([A-Za-z][A-Za-z0-9_]*)$/;

export function parseToken(raw: string): ParsedToken {
  const text = raw.trim();
  if (text === '') throw new IndicatorSpecError('indicator token must not be empty (e.g. `ema:20`)');
  const [head, ...suffixes] = text.split('@');
  const transforms = suffixes.map((suffix) => {
    const [name, ...rawParams] = suffix.split(':');
    if (!NAME.test(name)) {
      throw new IndicatorSpecError(`token \`${text}\`: transform \`@${suffix}\` must look like \`@diff:k\`, \`@slope:k\` or \`@lag:k\``, text);
    }
    return { name, rawParams };
  });
  let base = head;
  let output: string | undefined;
  const selector = OUTPUT_SELECTOR.exec(head);
  if (selector) {
    output = selector[1];
    base = head.slice(0, selector.index);
  }
  const [name, ...rawParams] = base.split(':');
  if (!NAME.test(name)) {
    throw new IndicatorSpecError(`token \`${text}\`: indicator name must be lower-case letters, digits or _, starting with a letter, was ${JSON.stringify(name)}`, text);
  }
  return { text, name, rawParams, output, transforms };
}

/** Splits a comma-separated SPEC into parsed tokens; rejects empty entries. */
export function parseSpec(spec: string): ParsedToken[] {
  const parts = spec.split(',');
  return parts.map((part, i) => {
    if (part.trim() === '') {
      throw new IndicatorSpecError(`indicator spec ${JSON.stringify(spec)}: entry ${i + 1} is empty (tokens are separated by single commas)`);
    }
    return parseToken(part);
  });
}
