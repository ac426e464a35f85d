// Makes a full covariance matrix usable: if its Cholesky factorisation fails (not
// positive definite, e.g. a state spanned by fewer rows than features), its diagonal is
// loaded by growing multiples of the variance floors until it succeeds.
import { choleskyLower } from './cholesky.js';

/** Loads the diagonal by 1, 10, 100, ... times the floors until the matrix is positive definite. */
export function regulariseFullCovariance(c: Float64Array, base: number, d: number, floors: Float64Array, lower: Float64Array): void {
  let load = 1;
  while (!choleskyLower(c, base, d, lower, 0)) {
    for (let i = 0; i < d; i++) c[base + i * d + i] += load * floors[i];
    load *= 10;
    if (load > 1e300) throw new Error('covariance could not be made positive definite: the features hold non-finite values');
  }
}
