// What the loader saw in a file: rows read and kept, and under the `skip` policy the
// bad rows it dropped, counted per rule with the first few examples.

import { BAR_RULES, type BarRule, type CsvRowIssue } from './csv-errors.js';

/** How many example issues a report keeps. */
export const REPORT_EXAMPLE_LIMIT = 10;

export interface BadRowReport {
  readonly file: string;
  readonly policy: 'reject' | 'skip';
  /** Data rows read (physical lines after the header, blank lines excluded). */
  readonly rowsRead: number;
  /** Rows that became bars. */
  readonly rowsKept: number;
  /** Rows dropped as bad (always 0 under `reject`). */
  readonly rowsSkipped: number;
  /** Dropped rows per broken rule (every rule present, 0 when unused). */
  readonly skippedByRule: Readonly<Record<BarRule, number>>;
  /** The first REPORT_EXAMPLE_LIMIT dropped rows, in file order. */
  readonly examples: readonly CsvRowIssue[];
  /** Blank lines between data rows (skipped: they hold no data), and the first one's line number (0: none). */
  readonly blankLines: number;
  readonly firstBlankLine: number;
}

/** Accumulates a BadRowReport while a file streams. */
export class BadRowTally {
  rowsRead = 0;
  rowsKept = 0;
  blankLines = 0;
  firstBlankLine = 0;
  private rowsSkipped = 0;
  private readonly byRule = Object.fromEntries(BAR_RULES.map((rule) => [rule, 0])) as Record<BarRule, number>;
  private readonly examples: CsvRowIssue[] = [];

  skip(issue: CsvRowIssue): void {
    this.rowsSkipped += 1;
    // The bar loader's rows break bar rules only (tick rules belong to market streams).
    const rule = issue.rule as BarRule;
    this.byRule[rule] = (this.byRule[rule] ?? 0) + 1;
    if (this.examples.length < REPORT_EXAMPLE_LIMIT) this.examples.push(issue);
  }

  report(file: string, policy: 'reject' | 'skip'): BadRowReport {
    return {
      file,
      policy,
      rowsRead: this.rowsRead,
      rowsKept: this.rowsKept,
      rowsSkipped: this.rowsSkipped,
      skippedByRule: { ...this.byRule },
      examples: [...this.examples],
      blankLines: this.blankLines,
      firstBlankLine: this.firstBlankLine,
    };
  }
}
