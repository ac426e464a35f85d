// LMDB environments opened safely: the path and data file checked before lmdb-js maps them.
export { checkLmdbEnvironment, LmdbEnvironmentError } from './lmdb-environment.js';
export { openLmdbDirectory } from './lmdb-directory.js';
