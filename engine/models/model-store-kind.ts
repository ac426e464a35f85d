// Which of the two LMDB stores of engine/models a directory holds. The model registry and the
// ahead cache are both LMDB environments with a `meta` database whose `format` is 1, so each
// also writes its kind into meta, and each refuses a directory that holds the other (answers
// stored into a registry overwrote its model entries). Stores written before the kind was
// tagged are recognised by their databases (all are created when a store is first opened):
//
//   kind              databases                                                   marks
//   model-registry    meta, models, model-folds, promotions, promoted             model-folds, promotions, promoted
//   ahead-cache       meta, answers, order, answered-models, models (before       answers, order
//                     answered-models: the hint database had the registry's name)
//
// An untagged store is taken as the kind its opener expects only when every database it holds
// belongs to that kind, one of the kind's marks is present and none of the other kind's is.
// judgeStoreKind only decides; the opener writes the tag and raises its own error type.

export interface ModelStoreKind {
  /** The tag written to meta 'kind'. */
  readonly kind: 'model-registry' | 'ahead-cache';
  /** For messages, with its article: "a model registry". */
  readonly label: string;
  /** The store's format (meta 'format'). */
  readonly format: number;
  /** Every database the store may hold, including ones of earlier versions. */
  readonly databases: readonly string[];
  /** Databases only this kind holds. */
  readonly marks: readonly string[];
}

export const MODEL_REGISTRY_STORE: ModelStoreKind = {
  kind: 'model-registry',
  label: 'a model registry',
  format: 1,
  databases: ['meta', 'models', 'model-folds', 'promotions', 'promoted'],
  marks: ['model-folds', 'promotions', 'promoted'],
};

export const AHEAD_CACHE_STORE: ModelStoreKind = {
  kind: 'ahead-cache',
  label: 'an ahead cache',
  format: 1,
  databases: ['meta', 'answers', 'order', 'answered-models', 'models'],
  marks: ['answers', 'order'],
};

const KINDS = [MODEL_REGISTRY_STORE, AHEAD_CACHE_STORE];

/** What an opener found in meta and the environment's database names. */
export interface StoredKind {
  readonly format: unknown;
  readonly kind: unknown;
  readonly databases: readonly string[];
}

export type StoreKindVerdict =
  /** meta names the expected kind and format. */
  | { readonly state: 'tagged' }
  /** A store of the expected kind and format written before the tag (tag it when writable). */
  | { readonly state: 'untagged' }
  /** No format yet and nothing of another store: write format and kind. */
  | { readonly state: 'new' }
  /** `ours`: the store is of the expected kind (only its format differs). */
  | { readonly state: 'refused'; readonly reason: string; readonly ours?: true };

const list = (names: readonly string[]): string => names.join(', ');

/** Whether the environment at `dir` holding `stored` may be opened as `expected` (see the header). */
export function judgeStoreKind(dir: string, expected: ModelStoreKind, stored: StoredKind): StoreKindVerdict {
  const formatRefusal = (): StoreKindVerdict | null =>
    stored.format === expected.format ? null : { state: 'refused', ours: true, reason: `${dir} holds ${expected.label} of format ${JSON.stringify(stored.format)}, this code reads format ${expected.format}` };
  if (stored.kind !== undefined) {
    if (stored.kind === expected.kind) return formatRefusal() ?? { state: 'tagged' };
    const other = KINDS.find((k) => k.kind === stored.kind);
    return { state: 'refused', reason: `${dir} is ${other?.label ?? 'another store'} (meta kind ${JSON.stringify(stored.kind)}), not ${expected.label}` };
  }
  const known = new Set(KINDS.flatMap((k) => k.databases));
  const foreign = stored.databases.filter((name) => !known.has(name));
  if (foreign.length > 0) return { state: 'refused', reason: `${dir} is another store, not ${expected.label}: it holds databases ${list(foreign)}` };
  const ours = stored.databases.filter((name) => expected.marks.includes(name));
  for (const other of KINDS.filter((k) => k !== expected)) {
    const theirs = stored.databases.filter((name) => other.marks.includes(name));
    if (theirs.length === 0) continue;
    if (ours.length > 0) {
      return { state: 'refused', reason: `${dir} holds the databases of both ${expected.label} (${list(ours)}) and ${other.label} (${list(theirs)}): one was written into the other, its entries cannot be trusted` };
    }
    return { state: 'refused', reason: `${dir} is ${other.label} (it holds ${list(theirs)}), not ${expected.label}` };
  }
  if (stored.format === undefined) return { state: 'new' };
  const formatProblem = formatRefusal();
  if (formatProblem) return formatProblem;
  if (ours.length === 0) return { state: 'refused', reason: `${dir} has format ${expected.format} but none of the databases of ${expected.label} (${list(expected.marks)})` };
  return { state: 'untagged' };
}
