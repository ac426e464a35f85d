// Short instrument names for replay inputs: the first upper-case symbol in each file's
// name (binance_spot_BTCUSDT_1h_... -> BTCUSDT), or the whole base name when that
// would be ambiguous or there is no such symbol.
import { basename, extname } from 'node:path';

const SYMBOL = /(?:^|[_\-.])([A-Z][A-Z0-9]{2,})(?=$|[_\-.])/;

export function instrumentNames(files: readonly string[]): string[] {
  const bases = files.map((file) => basename(file, extname(file)));
  const symbols = bases.map((base) => SYMBOL.exec(base)?.[1]);
  const unique = symbols.every((symbol, i) => symbol !== undefined && symbols.indexOf(symbol) === i);
  return unique ? (symbols as string[]) : bases;
}
