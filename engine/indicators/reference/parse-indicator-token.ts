// Parses an indicator token: `name[:p1[:p2...]][.output][@transform:k ...]`, e.g.
// `ema:20`, `bb:20:2.5.pctb@slope:5`, `macd:12:26:9@diff:1`. Only the syntax is checked
// here; parameter rules are checked by the factory.

export interface TransformToken {
  readonly name: string;
  readonly parameter: string | undefined;
}

export interface IndicatorToken {
  readonly token: string;
  readonly name: string;
  readonly parameters: string[];
  readonly output: string | undefined;
  readonly transforms: TransformToken[];
}

const OUTPUT_SUFFIX = /\.([A-Za-z][A-Za-z0-9_]*)$/;
const NAME = /^[a-z][a-z0-9_]*$/;

export function parseIndicatorToken(token: string): IndicatorToken {
  if (typeof token !== 'string' || token.trim() === '') {
    throw new Error(`indicator token must be a non-empty string like \`ema:20\`, was ${JSON.stringify(token)}`);
  }
  const [head, ...transformParts] = token.split('@');
  const transforms = transformParts.map((part) => {
    const [name, parameter, ...rest] = part.split(':');
    if (!NAME.test(name) || rest.length > 0) {
      throw new Error(`indicator token \`${token}\`: transform \`@${part}\` must look like \`@diff:k\`, \`@slope:k\` or \`@lag:k\``);
    }
    return { name, parameter };
  });
  let base = head;
  let output: string | undefined;
  const suffix = OUTPUT_SUFFIX.exec(head);
  if (suffix) {
    output = suffix[1];
    base = head.slice(0, suffix.index);
  }
  const [name, ...parameters] = base.split(':');
  if (!NAME.test(name)) {
    throw new Error(`indicator token \`${token}\`: name must be lower-case letters and digits, was ${JSON.stringify(name)}`);
  }
  return { token, name, parameters, output, transforms };
}
