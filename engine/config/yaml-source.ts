// Parses one YAML configuration text and remembers where each key sits, so errors can name
// the file and line of a bad value. Syntax errors name the file, line and column.
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from './config-error.js';

export class YamlSource {
  private constructor(
    readonly label: string,
    readonly value: Record<string, unknown>,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text` read from `label` (a file path); the top level must be a mapping (or empty). */
  static parse(text: string, label: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const [error] = doc.errors;
    if (error) {
      const at = lines.linePos(error.pos[0]);
      throw new ConfigError(`${label}:${at.line}:${at.col}: invalid YAML: ${error.message.split('\n')[0]}`, '');
    }
    const value: unknown = doc.toJS() ?? {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(`${label}: the top level must be a mapping of sections (risk, killSwitch, control, ...), was ${JSON.stringify(value)}`, '');
    }
    return new YamlSource(label, value as Record<string, unknown>, doc, lines);
  }

  /** "file line N" of the node at `path`, or null when this source does not set it. */
  locate(path: readonly (string | number)[]): string | null {
    const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (!node || typeof node !== 'object' || !node.range) return null;
    return `${this.label} line ${this.lines.linePos(node.range[0]).line}`;
  }
}
