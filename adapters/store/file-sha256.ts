// SHA-256 of a file, streamed (constant memory): how the store recognises a file imported twice.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** True when `path` names a regular file (a stream's label may be a URL or a store label). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
