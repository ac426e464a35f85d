// Constraints of a sweep spec (`constraints: ["fast < slow", "slow - fast >= 10"]`): a small
// expression language over the parameters, compiled once and evaluated per combination.
//   expr := or ; or := and ('or' | '||') and ... ; and := not ('and' | '&&') not ...
//   not := ('not' | '!') not | cmp ; cmp := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
//   sum := prod (('+' | '-') prod)* ; prod := unary (('*' | '/' | '%') unary)*
//   unary := '-' unary | number | 'string' | "string" | true | false | name | '(' expr ')'
// No other names, calls or property access: a constraint cannot reach anything but parameters.

export type ParameterValue = number | string | boolean;
export type Parameters = Readonly<Record<string, ParameterValue>>;
type Node = (p: Parameters) => ParameterValue;

interface Token { readonly kind: 'num' | 'str' | 'name' | 'op'; readonly text: string; readonly value?: ParameterValue; readonly at: number }

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|'([^']*)'|"([^"]*)"|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||[<>+\-*/%()!]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) throw new RangeError(`unexpected character ${JSON.stringify(text.slice(at).trim()[0])} at ${at + 1}`);
    const start = m.index + m[0].length - m[0].trimStart().length;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1], value: Number(m[1]), at: start });
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ kind: 'str', text: m[0].trim(), value: m[2] ?? m[3], at: start });
    else if (m[4] !== undefined) tokens.push({ kind: 'name', text: m[4], at: start });
    else tokens.push({ kind: 'op', text: m[5], at: start });
    at = pattern.lastIndex;
  }
  return tokens;
}

/** Compiles `text` over the parameter `names`; throws RangeError naming what is wrong. */
export function compileConstraint(text: string, names: readonly string[]): (parameters: Parameters) => boolean {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const isOp = (...ops: string[]): boolean => {
    const t = peek();
    return t !== undefined && ((t.kind === 'op' && ops.includes(t.text)) || (t.kind === 'name' && ops.includes(t.text)));
  };
  const num = (v: ParameterValue, op: string): number => {
    if (typeof v !== 'number') throw new RangeError(`\`${op}\` needs numbers, got ${JSON.stringify(v)}`);
    return v;
  };
  const expr = (): Node => or();
  const or = (): Node => {
    let left = and();
    while (isOp('or', '||')) {
      i++;
      const l = left, r = and();
      left = (p) => Boolean(l(p)) || Boolean(r(p));
    }
    return left;
  };
  const and = (): Node => {
    let left = not();
    while (isOp('and', '&&')) {
      i++;
      const l = left, r = not();
      left = (p) => Boolean(l(p)) && Boolean(r(p));
    }
    return left;
  };
  const not = (): Node => {
    if (isOp('not', '!')) {
      i++;
      const inner = not();
      return (p) => !inner(p);
    }
    return cmp();
  };
  const cmp = (): Node => {
    const left = sum();
    if (!isOp('<', '<=', '>', '>=', '==', '!=')) return left;
    const op = tokens[i++].text;
    const right = sum();
    switch (op) {
      case '<': return (p) => num(left(p), op) < num(right(p), op);
      case '<=': return (p) => num(left(p), op) <= num(right(p), op);
      case '>': return (p) => num(left(p), op) > num(right(p), op);
      case '>=': return (p) => num(left(p), op) >= num(right(p), op);
      case '==': return (p) => left(p) === right(p);
      default: return (p) => left(p) !== right(p);
    }
  };
  const sum = (): Node => {
    let left = prod();
    while (isOp('+', '-')) {
      const op = tokens[i++].text;
      const l = left, r = prod();
      left = op === '+' ? (p) => num(l(p), op) + num(r(p), op) : (p) => num(l(p), op) - num(r(p), op);
    }
    return left;
  };
  const prod = (): Node => {
    let left = unary();
    while (isOp('*', '/', '%')) {
      const op = tokens[i++].text;
      const l = left, r = unary();
      left = op === '*' ? (p) => num(l(p), op) * num(r(p), op) : op === '/' ? (p) => num(l(p), op) / num(r(p), op) : (p) => num(l(p), op) % num(r(p), op);
    }
    return left;
  };
  const unary = (): Node => {
    const t = peek();
    if (t === undefined) throw new RangeError('unexpected end of the expression');
    i++;
    if (t.kind === 'op' && t.text === '-') {
      const inner = unary();
      return (p) => -num(inner(p), '-');
    }
    if (t.kind === 'op' && t.text === '(') {
      const inner = expr();
      if (!isOp(')')) throw new RangeError(`missing \`)\` for the \`(\` at ${t.at + 1}`);
      i++;
      return inner;
    }
    if (t.kind === 'num' || t.kind === 'str') {
      const value = t.value as ParameterValue;
      return () => value;
    }
    if (t.kind === 'name') {
      if (t.text === 'true' || t.text === 'false') {
        const value = t.text === 'true';
        return () => value;
      }
      if (!names.includes(t.text)) throw new RangeError(`unknown parameter \`${t.text}\` (parameters: ${names.join(', ')})`);
      const name = t.text;
      return (p) => p[name];
    }
    throw new RangeError(`unexpected \`${t.text}\` at ${t.at + 1}`);
  };
  const root = expr();
  if (i < tokens.length) throw new RangeError(`unexpected \`${tokens[i].text}\` at ${tokens[i].at + 1}`);
  return (parameters) => Boolean(root(parameters));
}
