// Turns an error that reaches the top of a CLI command into one clear line on stderr
// and a non-zero exit code: no bare stack traces for expected failures. The folders the command
// made and left empty (an `--out`, a `--state`) are removed first: a refused run leaves nothing.
import { removeEmptyFoldersMade } from './made-folders.js';

/**
 * Errors of the engine's modules that are about the user's input (a config, a spec, a model
 * file, a store directory) and already name the field or file, the value and the rule: printed
 * as one line, exit 2, whichever command let them through. By name, so this module imports none
 * of those modules (the CLI loads only the invoked command's).
 */
const INPUT_ERROR_NAMES = new Set([
  'ConfigError', 'StrategyConfigError', 'RuleExpressionError', 'IndicatorSpecError', 'DecisionConfigError', 'SweepSpecError',
  'FeatureOptionError', 'FeatureFileError', 'LabelOptionError', 'ModelContractError', 'ModelRegistryError', 'BacktestSetupError',
  'BacktestOptionError', 'BacktestStreamError', 'ReserveReadError', 'LmdbEnvironmentError', 'CsvFileError', 'JournalFormatError',
  // A QuestDB source that broke while it played (server stopped, refused a query, a malformed export): they name the URL.
  'QuestDbQueryError', 'QuestDbStreamError', 'QuestDbSchemaError', 'QuestDbUrlError',
  // A trade of a QuestDB table or the market-data store that breaks the CSV loader's row rules (size-positive, ...): source, row, time, value, rule.
  'BadTradeRecordError',
]);

const FILE_SYSTEM_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EPERM', 'EROFS', 'ENOSPC', 'ENAMETOOLONG', 'ELOOP']);

/** Errors users can act on (bad input, bad flags, missing files); printed without a stack. */
export class UserFacingError extends Error {
  constructor(message: string, readonly exitCode: number = 2) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function reportCliError(error: unknown): never {
  removeEmptyFoldersMade();
  if (error instanceof UserFacingError) {
    process.stderr.write(`quantflow: ${printable(error.message)}\n`);
    process.exit(error.exitCode);
  }
  if (error instanceof Error && INPUT_ERROR_NAMES.has(error.name)) {
    process.stderr.write(`quantflow: ${printable(error.message)}\n`);
    process.exit(2);
  }
  if (error instanceof Error && error.name === 'CsvRowError') {
    // A bad row met while a stream plays (tick files are read as the replay goes).
    process.stderr.write(`quantflow: ${printable(error.message)} (--on-bad-row skip skips bad rows and counts them by rule)\n`);
    process.exit(2);
  }
  const err = error as NodeJS.ErrnoException;
  // File-system refusals name the operation and the path in their message.
  if (err && typeof err.code === 'string' && FILE_SYSTEM_CODES.has(err.code)) {
    process.stderr.write(`quantflow: ${printable(err.message)}\n`);
    process.exit(2);
  }
  process.stderr.write(`quantflow: internal error: ${printable(err?.stack ?? String(error))}\n`);
  process.exit(1);
}

/**
 * `text` with control characters (a binary file's bytes quoted in a message: escape sequences
 * would drive the terminal) shown as \xNN; line breaks and tabs kept.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
