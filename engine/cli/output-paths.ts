// Where a command will write, checked before it starts its work: a backtest, a walk-forward or a
// replay that runs for minutes must not fail at its end because `--out` names a file, a folder
// that cannot be made, or a read-only place. The folder is made now (and checked writable); a failure is a
// UserFacingError naming the flag, the path and the cause. The folders made here are remembered
// (made-folders.ts): a command refused afterwards removes those it left empty.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserFacingError } from './cli-error.js';
import { rememberFolderMade } from './made-folders.js';

function causeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable' : (error as Error).message;
}

/** `dir`'s folders that do not exist yet (outermost first) and the nearest one that does. */
function missingFolders(dir: string): { missing: string[]; existing: string } {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  return { missing, existing: at };
}

/**
 * Makes `dir` and the missing folders above it, one mkdir each (Node 20's recursive mkdir spins
 * forever under /proc), and checks that the folder is writable.
 */
function makeDirectory(flag: string, dir: string, what: string): void {
  const { missing, existing } = missingFolders(dir);
  try {
    if (!statSync(existing).isDirectory()) throw Object.assign(new Error('a file is in the way'), { code: 'ENOTDIR' });
    for (const folder of missing) {
      mkdirSync(folder);
      rememberFolderMade(folder);
    }
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UserFacingError(`${flag}: cannot make the ${what} ${dir}: ${causeOf(error)}`);
  }
}

/**
 * `--flag DIR` a command will write into once it has succeeded: checked now (a directory, or one
 * that can be made in a writable folder), made by nobody yet; returns its absolute path.
 */
export function checkOutputDirectory(flag: string, dir: string): string {
  const absolute = resolve(dir);
  if (existsSync(absolute) && !statSync(absolute).isDirectory()) throw new UserFacingError(`${flag}: ${absolute} is a file; give a directory`);
  const { existing } = missingFolders(absolute);
  try {
    if (!statSync(existing).isDirectory()) throw Object.assign(new Error('a file is in the way'), { code: 'ENOTDIR' });
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw new UserFacingError(`${flag}: cannot make the directory ${absolute}: ${causeOf(error)}`);
  }
  return absolute;
}

/** `--flag DIR` a command writes files into: made now; returns its absolute path. */
export function ensureOutputDirectory(flag: string, dir: string): string {
  const absolute = resolve(dir);
  if (existsSync(absolute) && !statSync(absolute).isDirectory()) throw new UserFacingError(`${flag}: ${absolute} is a file; give a directory for the outputs`);
  makeDirectory(flag, absolute, 'directory');
  return absolute;
}

/** `--flag FILE` a command writes: not a directory, its folder made now; returns its absolute path. */
export function ensureOutputFile(flag: string, file: string, inputs: readonly (string | undefined)[] = []): string {
  const absolute = resolve(file);
  if (existsSync(absolute) && statSync(absolute).isDirectory()) throw new UserFacingError(`${flag}: ${absolute} is a directory; give a file name`);
  // Writing over an input would destroy it (the output is opened before the input is read through).
  for (const input of inputs) {
    if (input !== undefined && (resolve(input) === absolute || (existsSync(absolute) && existsSync(input) && sameFile(absolute, input)))) {
      throw new UserFacingError(`${flag}: ${absolute} is also an input of this command; give another file for the output`);
    }
  }
  makeDirectory(flag, dirname(absolute), 'folder of');
  return absolute;
}

/**
 * Refuses an output folder whose files (`names`) would write over an input (a data file read
 * through while the run plays, then overwritten by its outputs: the data is lost).
 */
export function refuseOutputsOverInputs(flag: string, dir: string, names: readonly string[], inputs: readonly string[]): void {
  const folder = resolve(dir);
  for (const name of names) {
    const output = resolve(folder, name);
    for (const input of inputs) {
      if (resolve(input) === output || (existsSync(output) && existsSync(input) && sameFile(output, input))) {
        throw new UserFacingError(`${flag}: ${output} would be written over the input ${input}; give another folder for the outputs`);
      }
    }
  }
}

function sameFile(a: string, b: string): boolean {
  const x = statSync(a);
  const y = statSync(b);
  return x.dev === y.dev && x.ino === y.ino;
}
