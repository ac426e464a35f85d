// Types for compare-trees.mjs (plain ESM so it runs before TypeScript is built).
export interface TreeDifference {
  path: string;
  problem: 'missing' | 'differs' | 'unexpected';
}
export function listFilesRecursively(dir: string): string[];
export function compareWithDirectory(expected: Map<string, string>, dir: string): TreeDifference[];
