// The folders this process made for a command's outputs and state (output-paths.ts makes them).
// A command that is refused after making them (cli-error.ts reports it) removes those it left
// empty, so a refused run leaves no empty `--out` or `.quantflow/...` folder in the directory.
import { readdirSync, rmdirSync } from 'node:fs';

const made: string[] = [];

/** Remembers `folder` (absolute) as made by this process. */
export function rememberFolderMade(folder: string): void {
  made.push(folder);
}

/** Removes the folders this process made that are still empty, innermost (latest) first. */
export function removeEmptyFoldersMade(): void {
  for (const folder of made.splice(0).reverse()) {
    try {
      if (readdirSync(folder).length === 0) rmdirSync(folder);
    } catch {
      // Gone already, or unreadable: left as it is.
    }
  }
}
