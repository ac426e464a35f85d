// Drift between schemas/*.fbs and the committed generated TypeScript (schemas/generated/),
// and between schemas/event-record.json and the table in schemas/README.md.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithDirectory as compare } from '../tools/codegen/compare-trees.mjs';
import { generateSchemaTypeScript as generate } from '../tools/codegen/generate-schemas.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = path.join(repoRoot, 'schemas');
const generatedDir = path.join(schemaDir, 'generated');
const codegenCli = path.join(repoRoot, 'tools', 'codegen', 'flatc.mjs');

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A full copy of schemas/ (schemas, generated code, README, JSON) in a temp dir. */
function copyOfSchemas(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-schemas-'));
  tempDirs.push(dir);
  cpSync(schemaDir, dir, { recursive: true });
  return dir;
}

function edit(file: string, find: string, replacement: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.includes(find), `${file} should contain ${JSON.stringify(find)} for the test edit`).toBe(true);
  writeFileSync(file, text.replace(find, replacement));
}

function runCodegen(...args: string[]) {
  return spawnSync(process.execPath, [codegenCli, ...args], { cwd: repoRoot, encoding: 'utf8' });
}

const SUBMIT_ORDER_END = '  strategy: string;\n  /// The 64-byte ORDER record the core wrote (what exact replay compares).\n  record: [ubyte];\n}';

describe('schema codegen drift', () => {
  it('generates exactly the committed schemas/generated/ from schemas/*.fbs', async () => {
    const differences = compare(await generate(schemaDir), generatedDir);
    expect(differences, 'schemas/generated/ drifted from the .fbs files: run `npm run codegen` and commit the result').toEqual([]);
  });

  it('reports the changed, new and removed files when a schema is edited without regenerating', async () => {
    const dir = copyOfSchemas();
    edit(path.join(dir, 'journal.fbs'), SUBMIT_ORDER_END, '  strategy: string;\n  record: [ubyte];\n  account: string;\n}\n\ntable OrderAmended {\n  order_id: ulong;\n}');
    const generated = await generate(dir);
    generated.delete('quant-flow/side.ts');

    expect(compare(generated, generatedDir), 'a new field changes submit-order.ts, a new table adds a file, a dropped output leaves a stale file').toEqual([
      { path: 'quant-flow/journal.ts', problem: 'differs' },
      { path: 'quant-flow/journal/order-amended.ts', problem: 'missing' },
      { path: 'quant-flow/journal/submit-order.ts', problem: 'differs' },
      { path: 'quant-flow/side.ts', problem: 'unexpected' },
    ]);
  });

  it('gives identical output on repeated runs', async () => {
    const first = await generate(schemaDir);
    const second = await generate(schemaDir);
    expect([...second.entries()], 'flatc output must not depend on time or run order').toEqual([...first.entries()]);
  });

  it('rejects a schema syntax error naming the file and line', async () => {
    const dir = copyOfSchemas();
    edit(path.join(dir, 'frames.fbs'), '  drawdown: double;', '  drawdown double;');
    await expect(generate(dir)).rejects.toThrow(/frames\.fbs:\d+/);
  });

  it('`flatc.mjs --check` passes on the committed tree', () => {
    const result = runCodegen('--check');
    expect(result.status, `--check failed on the committed tree:\n${result.stderr}`).toBe(0);
  });

  it('`flatc.mjs --check` exits 1 naming the drifted file, and passes again after --write', () => {
    const dir = copyOfSchemas();
    edit(path.join(dir, 'model_registry.fbs'), '  onnx: [ubyte] (required);', '  onnx: [ubyte] (required);\n  notes: string;');

    const drifted = runCodegen('--check', '--schema-dir', dir);
    expect(drifted.status, `--check should fail after a schema edit; stderr:\n${drifted.stderr}`).toBe(1);
    expect(drifted.stderr).toContain(path.join('quant-flow', 'model-registry', 'model-entry.ts'));
    expect(drifted.stderr).toContain('run `npm run codegen` and commit the result');

    const written = runCodegen('--write', '--schema-dir', dir);
    expect(written.status, `--write failed:\n${written.stderr}`).toBe(0);
    const rechecked = runCodegen('--check', '--schema-dir', dir);
    expect(rechecked.status, `--check should pass after --write; stderr:\n${rechecked.stderr}`).toBe(0);
    expect(readFileSync(path.join(dir, 'generated', 'quant-flow', 'model-registry', 'model-entry.ts'), 'utf8')).toContain('notes(');
  });

  it('`flatc.mjs --check` fails when the README event-record table disagrees with event-record.json', () => {
    const dir = copyOfSchemas();
    edit(path.join(dir, 'event-record.json'), '"meaning": "instrument id (0 .. INSTRUMENT_CAPACITY - 1)', '"meaning": "instrument id (renamed) (0 .. INSTRUMENT_CAPACITY - 1)');
    const result = runCodegen('--check', '--schema-dir', dir);
    expect(result.status, `--check should fail on a stale README table; stderr:\n${result.stderr}`).toBe(1);
    expect(result.stderr).toContain('README.md: event-record table differs from event-record.json');
  });
});
