// Types of ensure-questdb.mjs (for TypeScript importers: tests, measurement scripts).
export declare const QUESTDB_VERSION: string;
export declare const QUESTDB_ARTIFACT: string;
/** Where the jar is (or will be): $QUESTDB_JAR, else ~/.m2/repository/org/questdb/questdb/VERSION/. */
export declare function questDbJarPath(): string;
/** The jar path when the jar is there, else undefined. Never fetches. */
export declare function findQuestDbJar(): string | undefined;
/** Fetches the jar with Maven when absent; returns its path. */
export declare function ensureQuestDb(): string;
