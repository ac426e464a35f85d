#!/usr/bin/env node
// Build step after tsc (`npm run build:ts`): writes ajv's standalone code of the configuration
// validator to dist/engine/config/config-validator.generated.cjs, so no process or worker thread
// compiles the schema when it loads a configuration (engine/config/config-validator.ts loads the
// file when its fingerprint matches the schema, and compiles otherwise).
//   node tools/ajv-standalone/generate.mjs           write the file (only when its text changes)
//   node tools/ajv-standalone/generate.mjs --check   exit 1 when the file is missing or stale
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = path.join(root, 'dist', 'engine', 'config', 'config-validator.js');
if (!existsSync(built)) {
  process.stderr.write(`ajv-standalone: ${path.relative(root, built)} is missing; run tsc first (npm run build:ts)\n`);
  process.exit(1);
}
const config = await import(pathToFileURL(built).href);
const target = path.join(path.dirname(built), config.GENERATED_VALIDATOR_FILE);
const text = config.generateConfigValidatorModule();
const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
if (process.argv.includes('--check')) {
  if (current !== text) {
    process.stderr.write(`ajv-standalone: ${path.relative(root, target)} is ${current === undefined ? 'missing' : 'stale'}; run node tools/ajv-standalone/generate.mjs\n`);
    process.exit(1);
  }
} else if (current !== text) {
  // Written beside, then renamed: a worker starting meanwhile reads the old file or the new one, never half of one.
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, target);
  process.stdout.write(`ajv-standalone: wrote ${path.relative(root, target)} (${text.length} bytes)\n`);
}
