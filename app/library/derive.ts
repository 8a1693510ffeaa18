// A user attribute from tagged faces: the direction in eps space by mean difference and by a
// ridge-regularised linear classifier (solved in its dual form, n x n, since there are far
// fewer faces than eps values), each with its leave-one-out accuracy on the tagged faces.
// Chosen built-in directions can be projected out (Gram-Schmidt), so that e.g. a derived
// "smile" leaves "age" alone.

export const MIN_PER_SIDE = 5;

export interface DeriveInput {
  positives: readonly Float32Array[];
  negatives: readonly Float32Array[];
  /** Directions to remove from the result (orthogonalised among themselves first). */
  projectOut?: readonly { name: string; direction: Float32Array }[];
  /** Ridge strength relative to the mean squared norm of the centred latents (default 1). */
  lambda?: number;
  method?: 'mean' | 'ridge' | 'best';
}

export interface DeriveResult {
  direction: Float32Array;
  method: 'mean' | 'ridge';
  meanDiffAccuracy: number;
  classifierAccuracy: number;
  positives: number;
  negatives: number;
  warnings: string[];
  projectedOut: string[];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b (A symmetric positive definite, n x n, row-major) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError('the ridge system is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * Ridge regression of labels (+1 / -1) on centred latents, in the dual: with the Gram matrix
 * K of the subset, alpha = (Kc + lambda I)^-1 (y - mean y), w = sum alpha_j (x_j - mean x).
 */
function ridgeDual(gram: Float64Array, n: number, idx: readonly number[], y: readonly number[], lambdaRel: number) {
  const m = idx.length;
  // Centre the Gram matrix of the subset: Kc = K - 1K/m - K1/m + 1K1/m^2.
  const rowMean = new Float64Array(m);
  let all = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += gram[idx[i]! * n + idx[j]!]!;
    rowMean[i] = s / m;
    all += s;
  }
  all /= m * m;
  const kc = new Float64Array(m * m);
  let trace = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) kc[i * m + j] = gram[idx[i]! * n + idx[j]!]! - rowMean[i]! - rowMean[j]! + all;
    trace += kc[i * m + i]!;
  }
  const lambda = lambdaRel * Math.max(trace / m, 1e-12);
  for (let i = 0; i < m; i++) kc[i * m + i]! += lambda;
  const yMean = idx.reduce((s, i) => s + y[i]!, 0) / m;
  const alpha = solveSpd(kc, Float64Array.from(idx, (i) => y[i]! - yMean), m);
  return { alpha, rowMean, all, yMean };
}

/** The classifier fitted on `idx`, as a scorer of any face p (by its Gram row). */
function ridgeFit(gram: Float64Array, n: number, idx: readonly number[], y: readonly number[], lambdaRel: number) {
  const { alpha, rowMean, all, yMean } = ridgeDual(gram, n, idx, y, lambdaRel);
  const m = idx.length;
  const alphaSum = alpha.reduce((s, v) => s + v, 0);
  const alphaRow = alpha.reduce((s, v, j) => s + v * rowMean[j]!, 0);
  // w . (x_p - mu) = sum_j alpha_j (K(j,p) - mu.x_j - mu.x_p + mu.mu)
  return (p: number) => {
    let s = 0;
    let pMean = 0;
    for (let j = 0; j < m; j++) {
      const k = gram[p * n + idx[j]!]!;
      s += alpha[j]! * k;
      pMean += k;
    }
    pMean /= m;
    return s - alphaRow - alphaSum * pMean + alphaSum * all + yMean;
  };
}

/** Orthonormal basis of the given directions (Gram-Schmidt, near-dependent ones dropped). */
function orthonormal(vectors: readonly Float32Array[]): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const v of vectors) {
    const u = Float64Array.from(v);
    for (const q of basis) {
      const c = dot(u, q);
      for (let i = 0; i < u.length; i++) u[i]! -= c * q[i]!;
    }
    const len = Math.sqrt(dot(u, u));
    if (len > 1e-8 * Math.sqrt(dot(v, v)) && len > 0) basis.push(u.map((x) => x / len));
  }
  return basis;
}

export function projectOut(direction: Float32Array, remove: readonly Float32Array[]): Float32Array {
  const d = Float64Array.from(direction);
  for (const q of orthonormal(remove)) {
    const c = dot(d, q);
    for (let i = 0; i < d.length; i++) d[i]! -= c * q[i]!;
  }
  return Float32Array.from(d);
}

export function deriveAttribute(input: DeriveInput): DeriveResult {
  const pos = input.positives;
  const neg = input.negatives;
  const warnings: string[] = [];
  if (pos.length === 0 || neg.length === 0) {
    throw new RangeError(`deriving needs faces tagged both ways: ${pos.length} with and ${neg.length} without the attribute`);
  }
  if (pos.length < MIN_PER_SIDE || neg.length < MIN_PER_SIDE) {
    warnings.push(`only ${pos.length} faces with and ${neg.length} without the attribute; tag at least ${MIN_PER_SIDE} of each for a direction you can trust`);
  }
  const xs = [...pos, ...neg];
  const size = xs[0]!.length;
  for (const x of xs) if (x.length !== size) throw new RangeError(`tagged latents differ in length (${x.length} vs ${size})`);
  const y = [...pos.map(() => 1), ...neg.map(() => -1)];
  const n = xs.length;

  // Mean difference, and its leave-one-out accuracy: classify x_i by the side of the midpoint
  // of the two means computed without it.
  const sumP = new Float64Array(size);
  const sumN = new Float64Array(size);
  for (const p of pos) for (let i = 0; i < size; i++) sumP[i]! += p[i]!;
  for (const q of neg) for (let i = 0; i < size; i++) sumN[i]! += q[i]!;
  const meanDiff = Float32Array.from(sumP, (v, i) => v / pos.length - sumN[i]! / neg.length);
  let meanRight = 0;
  for (let k = 0; k < n; k++) {
    const x = xs[k]!;
    const isPos = y[k] === 1;
    const np = pos.length - (isPos ? 1 : 0);
    const nn = neg.length - (isPos ? 0 : 1);
    if (np === 0 || nn === 0) continue;
    let score = 0;
    for (let i = 0; i < size; i++) {
      const mp = (sumP[i]! - (isPos ? x[i]! : 0)) / np;
      const mn = (sumN[i]! - (isPos ? 0 : x[i]!)) / nn;
      score += (x[i]! - (mp + mn) / 2) * (mp - mn);
    }
    if ((score > 0) === isPos) meanRight++;
  }

  // Ridge classifier in the dual, leave-one-out by refitting on n - 1 Gram rows.
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) gram[i * n + j] = gram[j * n + i] = dot(xs[i]!, xs[j]!);
  const lambda = input.lambda ?? 1;
  const all = Array.from({ length: n }, (_, i) => i);
  let ridgeRight = 0;
  const folds = n <= 200 ? all.map((i) => [i]) : Array.from({ length: 10 }, (_, f) => all.filter((i) => i % 10 === f));
  for (const held of folds) {
    const train = all.filter((i) => !held.includes(i));
    if (!train.some((i) => y[i] === 1) || !train.some((i) => y[i] === -1)) continue;
    const score = ridgeFit(gram, n, train, y, lambda);
    for (const i of held) if ((score(i) > 0) === (y[i] === 1)) ridgeRight++;
  }
  if (n > 200) warnings.push('classifier accuracy is 10-fold cross-validated (more than 200 tagged faces)');
  // The full fit's weight vector, scaled so it moves as far along itself as the mean difference does.
  const fit = ridgeDual(gram, n, all, y, lambda).alpha;
  const w = new Float64Array(size);
  const xMean = new Float64Array(size);
  for (const x of xs) for (let i = 0; i < size; i++) xMean[i]! += x[i]! / n;
  xs.forEach((x, k) => {
    const a = fit[k]!;
    for (let i = 0; i < size; i++) w[i]! += a * (x[i]! - xMean[i]!);
  });
  const wLen = Math.sqrt(dot(w, w)) || 1;
  const along = dot(meanDiff, w) / wLen;
  const ridgeDir = Float32Array.from(w, (v) => (v / wLen) * along);

  const meanDiffAccuracy = meanRight / n;
  const classifierAccuracy = ridgeRight / n;
  const method = input.method === 'mean' ? 'mean' : input.method === 'ridge' ? 'ridge' : classifierAccuracy > meanDiffAccuracy ? 'ridge' : 'mean';
  // Guessing the larger side for every face scores `guess`; a direction that does hardly
  // better does not separate the tags, and its slider would move faces at random.
  const guess = Math.max(pos.length, neg.length) / n;
  const chosen = method === 'ridge' ? classifierAccuracy : meanDiffAccuracy;
  if (chosen < guess + 0.1) {
    warnings.push(
      `the direction tells the tagged faces apart hardly better than guessing (${Math.round(chosen * 100)}% against ${Math.round(guess * 100)}%): the slider may not do what its name says; tag more faces, with the attribute clearly shown or clearly absent`,
    );
  }
  let direction: Float32Array = method === 'ridge' ? ridgeDir : meanDiff;
  const projected = input.projectOut ?? [];
  if (projected.length) direction = projectOut(direction, projected.map((p) => p.direction));
  return { direction, method, meanDiffAccuracy, classifierAccuracy, positives: pos.length, negatives: neg.length, warnings, projectedOut: projected.map((p) => p.name) };
}
