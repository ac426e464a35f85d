// Types for generate-schemas.mjs (plain ESM so it runs before TypeScript is built).
export const FLATC_ARGUMENTS: readonly string[];
export function listSchemaFiles(schemaDir: string): string[];
export function generateSchemaTypeScript(schemaDir: string): Promise<Map<string, string>>;
