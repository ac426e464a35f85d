// Opening an LMDB environment that is a directory: lmdb-js guesses from the path whether the
// environment is a directory or a single file (noSubdir), and takes a path with an extension
// (`state.v2`, `runs.2024`) for a file: a directory made first then fails with lmdb's "Is a
// directory: Attempting to open main database file" stack trace, leaving a `<dir>-lock` file
// beside it. Every store that takes a user-given directory opens it here.
import { mkdirSync } from 'node:fs';
import { open, type Key, type RootDatabase, type RootDatabaseOptions } from 'lmdb';

/** Makes `dir` (when missing) and opens the LMDB environment in it, a directory whatever its name. */
export function openLmdbDirectory<V = any, K extends Key = Key>(dir: string, options: RootDatabaseOptions = {}): RootDatabase<V, K> {
  mkdirSync(dir, { recursive: true });
  return open<V, K>({ ...options, path: dir, noSubdir: false });
}
