// The check that every feature varies over the rows a model may train on (the usable rows of
// a feature matrix). A column with one value on every usable row tells no row from another:
// a model learns nothing from it, and one served later, on data where it does vary, meets
// values it never saw. The usual cause is a volume feature (relvol, volz, obv ...) over bars
// whose file has no volume column, which the bar reader takes as volume 0. Such tokens are
// refused by name, with their value.
import type { FeatureMatrix } from './feature-matrix.js';
import { FeatureOptionError } from './feature-option-error.js';

export interface ConstantFeature {
  readonly token: string;
  readonly value: number;
}

/** The tokens of `matrix` that hold one value on every usable row (none with fewer than 2 usable rows). */
export function constantFeatures(matrix: FeatureMatrix): ConstantFeature[] {
  const out: ConstantFeature[] = [];
  matrix.features.forEach((token, c) => {
    const column = matrix.columns[c];
    let first = Number.NaN;
    let count = 0;
    for (let i = 0; i < matrix.rows; i++) {
      if (!matrix.usable[i]) continue;
      if (count === 0) first = column[i];
      else if (column[i] !== first) return;
      count += 1;
    }
    if (count >= 2) out.push({ token, value: first });
  });
  return out;
}

/** Throws a FeatureOptionError naming every feature that is constant over the usable rows of `matrix` (`source` names the data). */
export function checkFeaturesVary(matrix: FeatureMatrix, source: string): void {
  const constant = constantFeatures(matrix);
  if (constant.length === 0) return;
  const usable = matrix.usable.reduce((sum, u) => sum + u, 0);
  const list = constant.map((f) => `\`${f.token}\` (${f.value} on every row)`).join(', ');
  throw new FeatureOptionError(
    `\`features\` must vary over the ${usable} usable rows of ${source}; constant: ${list}. A constant feature tells no row from another (a volume feature over bars without a volume column reads volume 0): leave it out or give data where it varies`,
    'features',
  );
}
