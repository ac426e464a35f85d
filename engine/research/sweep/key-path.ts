// Configuration key paths as a sweep spec writes them (`strategies[0].long.entry`,
// `venue.latency.seed`): parsing to keys, rendering back, and setting a value in a plain
// document (intermediate mappings are created; list indices must exist).

export type KeyPath = readonly (string | number)[];

/** `a.b[0].c` -> ['a', 'b', 0, 'c']; throws RangeError naming the path when it is malformed. */
export function parseKeyPath(text: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|(\.)/gy;
  let expectName = true;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new RangeError(`malformed key path ${JSON.stringify(text)} at character ${at + 1}`);
    if (match[1] !== undefined) {
      if (!expectName) throw new RangeError(`malformed key path ${JSON.stringify(text)}: a name must follow \`.\``);
      keys.push(match[1]);
      expectName = false;
    } else if (match[2] !== undefined) {
      if (expectName && keys.length === 0) throw new RangeError(`malformed key path ${JSON.stringify(text)}: starts with an index`);
      keys.push(Number(match[2]));
      expectName = false;
    } else {
      if (expectName) throw new RangeError(`malformed key path ${JSON.stringify(text)}: empty segment`);
      expectName = true;
    }
    at = pattern.lastIndex;
  }
  if (keys.length === 0 || expectName) throw new RangeError(`malformed key path ${JSON.stringify(text)}: empty or ends with \`.\``);
  return keys;
}

export function renderKeyPath(keys: KeyPath): string {
  return keys.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

/** Sets `value` at `keys` in `root` (mutated). Missing mappings are created; a missing list entry is an error. */
export function setAtPath(root: Record<string, unknown>, keys: KeyPath, value: unknown): void {
  let node: unknown = root;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const last = i === keys.length - 1;
    if (typeof key === 'number') {
      if (!Array.isArray(node) || key >= node.length) {
        throw new RangeError(`\`${renderKeyPath(keys.slice(0, i + 1))}\` does not exist in the base configuration (the list has ${Array.isArray(node) ? node.length : 0} entries)`);
      }
    } else if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      throw new RangeError(`\`${renderKeyPath(keys.slice(0, i))}\` is not a mapping in the base configuration, cannot set \`${renderKeyPath(keys)}\``);
    }
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    if (typeof key === 'string' && (typeof container[key] !== 'object' || container[key] === null)) container[key] = {};
    node = container[key];
  }
}
