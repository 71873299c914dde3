/**
 * The calculator's maths: mathjs (BigNumber mode, 64 significant digits) behind an AST
 * allowlist. mathjs was chosen because it is maintained, parses a calculator grammar
 * (precedence, `!`, `%`, `^`, implicit multiplication), has exact BigNumber arithmetic
 * (0.1+0.2 = 0.3, 2^100 exact) and units (`5 km to mi`) — none of which we want to write.
 *
 * Security: mathjs's own `evaluate` would accept assignments, function definitions, property
 * access and matrix constructors. We parse, walk the tree and refuse every node type and
 * name not on the allowlist, then evaluate the checked tree ourselves (evaluateNode), calling
 * only allowlisted mathjs functions. No eval/Function anywhere. Exact integers and error
 * bounds: see "Evaluation that never lies" below. Time and memory are bounded by the worker
 * pool (pool.ts).
 *
 * Runs inside a worker thread; exported for direct unit tests too.
 */
import { all, create, type BigNumber, type MathNode } from 'mathjs';

const math = create(all!, { number: 'BigNumber', precision: 64 });

/** Functions a calculator user may call. `ln` is added below as an alias for natural log. */
const FUNCTIONS = new Set([
  'sqrt', 'cbrt', 'nthRoot', 'abs', 'exp', 'log', 'ln', 'log10', 'log2', 'log1p',
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh',
  'sec', 'csc', 'cot', 'floor', 'ceil', 'round', 'fix', 'sign', 'factorial', 'gamma',
  'gcd', 'lcm', 'mod', 'max', 'min', 'hypot', 'combinations', 'permutations', 'pow',
]);
const CONSTANTS = new Set(['pi', 'PI', 'e', 'E', 'tau', 'phi']);
const OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'mod', 'unaryMinus', 'unaryPlus', 'factorial', 'to']);

/** Limits inside one evaluation (the pool adds time and memory bounds around it). */
export const EVAL_LIMITS = {
  maxDepth: 40,
  maxNodes: 200,
  /** Largest argument accepted by factorial / gamma. */
  maxFactorial: 10000,
  /** Results with a decimal exponent above this are refused as out of range (exact integers: at most this + 1 digits). */
  maxExponent: 1000,
  /** Integers are computed exactly (BigInt) up to this many digits, intermediate results included. */
  maxIntegerDigits: 10_000,
  /** A 64-digit result is shown only if its relative error bound is below this (15 digits shown, 5 guard digits). */
  maxRelativeError: 1e-20,
  /** The same for results mathjs computes in double precision (complex numbers). */
  maxRelativeErrorDouble: 1e-12,
};

const ln = math.typed('ln', {
  any: (x: unknown) => math.log(x as number),
});
math.import({ ln }, { override: false });

export type CalcRefusalCode = 'CALC_SYNTAX' | 'CALC_FORBIDDEN' | 'CALC_ERROR' | 'CALC_PRECISION';

export type CalcOutcome =
  | { ok: true; result: string }
  | { ok: false; code: CalcRefusalCode; message: string };

function isUnitName(name: string): boolean {
  try {
    return math.Unit.isValuelessUnit(name);
  } catch {
    return false;
  }
}

/** Walks the tree, returning a reason for the first disallowed node, or null. */
function check(node: MathNode, depth: number, count: { n: number }): string | null {
  if (++count.n > EVAL_LIMITS.maxNodes) return 'the expression is too complex';
  if (depth > EVAL_LIMITS.maxDepth) return 'the expression is nested too deeply';
  switch (node.type) {
    case 'ConstantNode': {
      const v = (node as unknown as { value: unknown }).value;
      if (typeof v === 'string' || typeof v === 'boolean' || v === null || v === undefined) return 'only numbers are allowed';
      return null;
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      if (CONSTANTS.has(name) || isUnitName(name)) return null;
      return `unknown name "${name}" (variables are not supported)`;
    }
    case 'ParenthesisNode':
      return check((node as unknown as { content: MathNode }).content, depth + 1, count);
    case 'OperatorNode': {
      const op = node as unknown as { fn: string; op: string; args: MathNode[] };
      if (!OPERATORS.has(op.fn)) return `the operator "${op.op}" is not supported`;
      for (const a of op.args) {
        const r = check(a, depth + 1, count);
        if (r) return r;
      }
      return null;
    }
    case 'FunctionNode': {
      const fn = node as unknown as { fn: MathNode & { name?: string }; args: MathNode[] };
      if (fn.fn.type !== 'SymbolNode' || !fn.fn.name || !FUNCTIONS.has(fn.fn.name)) {
        return `the function "${fn.fn.name ?? fn.fn.toString()}" is not supported`;
      }
      for (const a of fn.args) {
        const r = check(a, depth + 1, count);
        if (r) return r;
      }
      return null;
    }
    case 'AccessorNode': return 'property access is not allowed';
    case 'AssignmentNode': case 'FunctionAssignmentNode': return 'assignments are not allowed';
    case 'RangeNode': return 'ranges are not allowed';
    case 'MatrixNode': case 'IndexNode': return 'matrices are not allowed';
    case 'ObjectNode': return 'objects are not allowed';
    default: return `"${node.type}" expressions are not allowed`;
  }
}

// ---------------------------------------------------------------------------------------
// Evaluation that never lies.
//
// mathjs BigNumbers keep 64 significant digits, so on its own `mod(10^999, 7)` was 0 and
// `10^999 + 1 - 10^999` is 0: the rounding happens silently and the answer looks exact.
// We therefore walk the checked tree ourselves:
//
// - Integers stay exact BigInts (up to EVAL_LIMITS.maxIntegerDigits digits) through
//   + - * ^ mod % gcd lcm abs sign floor ceil round fix max min, factorial, combinations,
//   permutations and exact division. `mod(10^999, 7)` is 6, `2^200` is printed in full.
// - Everything else is computed by mathjs (BigNumber, 64 digits) and carries a bound on its
//   relative error: 0 for exact values, one rounding unit per operation, propagated through
//   additions (where cancellation amplifies it), products, and every other function by its
//   measured condition number. Discontinuous functions (floor, mod, …) of an inexact value
//   are answered only when the answer is the same over the whole error interval.
// - A result whose error bound is not below EVAL_LIMITS.maxRelativeError is refused with
//   CALC_PRECISION instead of being printed.
// ---------------------------------------------------------------------------------------

type BigNum = BigNumber;

function big(x: number | string): BigNum {
  return math.bignumber(x) as BigNum;
}

type MathFn = (...args: unknown[]) => unknown;

/** An exact integer, or a mathjs value with a bound `r` on its relative error (0 = exact). */
type Val = { kind: 'int'; n: bigint } | { kind: 'num'; v: unknown; r: number };

class Refusal extends Error {
  readonly code: 'CALC_ERROR' | 'CALC_PRECISION';
  constructor(code: 'CALC_ERROR' | 'CALC_PRECISION', message: string) {
    super(message);
    this.code = code;
  }
}

const PRECISION_MESSAGE = `the answer cannot be given to all its shown digits: it cancels out or depends on digits beyond the calculator's precision (integers are exact up to ${EVAL_LIMITS.maxIntegerDigits} digits, other numbers carry 64 significant digits), and the calculator refuses rather than round`;

/** One rounding of a 64-digit BigNumber operation, relative. */
const BIG_ULP = 1e-63;
/** One rounding of a double-precision operation (complex numbers are doubles in mathjs). */
const DOUBLE_ULP = 2 ** -52;
const MAX_BITS = Math.ceil(EVAL_LIMITS.maxIntegerDigits * Math.log2(10));

function fn(name: string): MathFn {
  // `name` is on the FUNCTIONS/OPERATORS allowlist (check() ran first).
  return (math as unknown as Record<string, MathFn>)[name]!;
}

function bitLength(n: bigint): number {
  if (n < 0n) n = -n;
  return n === 0n ? 0 : n.toString(2).length;
}

/** `n` if it is within the exact-integer bound, else undefined (the caller falls back to BigNumber). */
function fit(n: bigint): bigint | undefined {
  return bitLength(n) <= MAX_BITS ? n : undefined;
}

function log10Big(n: bigint): number {
  const s = (n < 0n ? -n : n).toString();
  return s.length - 1 + Math.log10(Number(`0.${s.slice(0, 15)}`) * 10);
}

function factorialExact(n: bigint): bigint | undefined {
  if (n < 0n) return undefined; // mathjs explains the error
  if (n > BigInt(EVAL_LIMITS.maxFactorial)) throw new Refusal('CALC_ERROR', `factorial arguments are limited to ${EVAL_LIMITS.maxFactorial}`);
  const k = Number(n);
  // Stirling: log10(n!) ≈ n·log10(n/e) + log10(2πn)/2.
  if (k > 1 && k * Math.log10(k / Math.E) + Math.log10(2 * Math.PI * k) / 2 > EVAL_LIMITS.maxIntegerDigits) return undefined;
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return r;
}

function fallingFactorial(n: bigint, k: bigint): bigint {
  let r = 1n;
  for (let i = 0n; i < k; i++) r *= n - i;
  return r;
}

function gcdExact(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function powExact(x: bigint, y: bigint): bigint | undefined {
  if (y < 0n) {
    if (x === 1n) return 1n;
    if (x === -1n) return y % 2n === 0n ? 1n : -1n;
    return undefined;
  }
  if (y === 0n) return 1n;
  if (x === 0n || x === 1n) return x;
  if (x === -1n) return y % 2n === 0n ? 1n : -1n;
  // |x| ≥ 2^(bits-1) so the result has at least (bits-1)·y bits: refuse to even start past the bound.
  if (BigInt(bitLength(x) - 1) * y > BigInt(MAX_BITS)) return undefined;
  return fit(x ** y);
}

/** The operation on exact integers, when its exact result is an integer within bounds; otherwise undefined. */
function exact(name: string, a: bigint[]): bigint | undefined {
  const [x, y] = a as [bigint, bigint];
  const two = a.length === 2;
  const one = a.length === 1;
  switch (name) {
    case 'add': return two ? fit(x + y) : undefined;
    case 'subtract': return two ? fit(x - y) : undefined;
    case 'multiply': return two && bitLength(x) + bitLength(y) <= MAX_BITS + 8 ? fit(x * y) : undefined;
    case 'divide': return two && y !== 0n && x % y === 0n ? x / y : undefined;
    case 'unaryMinus': return one ? -x : undefined;
    case 'unaryPlus': return one ? x : undefined;
    case 'pow': return two ? powExact(x, y) : undefined;
    case 'mod': {
      // mathjs semantics: x - y·floor(x/y), the sign of y; mod(x, 0) = x.
      if (!two) return undefined;
      if (y === 0n) return x;
      const r = x % y;
      return r !== 0n && (r < 0n) !== (y < 0n) ? r + y : r;
    }
    case 'abs': return one ? (x < 0n ? -x : x) : undefined;
    case 'sign': return one ? (x > 0n ? 1n : x < 0n ? -1n : 0n) : undefined;
    case 'floor': case 'ceil': case 'round': case 'fix': return one ? x : undefined;
    case 'max': return a.length > 0 ? a.reduce((m, v) => (v > m ? v : m)) : undefined;
    case 'min': return a.length > 0 ? a.reduce((m, v) => (v < m ? v : m)) : undefined;
    case 'gcd': return a.length >= 2 ? a.reduce(gcdExact) : undefined;
    case 'lcm': {
      if (a.length < 2) return undefined;
      let l = 0n;
      for (const [i, v] of a.entries()) {
        if (i === 0) { l = v < 0n ? -v : v; continue; }
        if (l === 0n || v === 0n) { l = 0n; continue; }
        const next = fit((l / gcdExact(l, v)) * (v < 0n ? -v : v));
        if (next === undefined) return undefined;
        l = next;
      }
      return l;
    }
    case 'factorial': return one ? factorialExact(x) : undefined;
    case 'permutations': {
      if (one) return factorialExact(x);
      if (!two || y < 0n || y > x) return undefined; // mathjs explains the error
      if (y > 0n && Number(y) * log10Big(x) > EVAL_LIMITS.maxIntegerDigits) return undefined;
      return fallingFactorial(x, y);
    }
    case 'combinations': {
      if (!two || y < 0n || y > x) return undefined;
      const k = y < x - y ? y : x - y;
      if (k === 0n) return 1n;
      // C(n, k) ≤ (e·n/k)^k.
      if (Number(k) * (log10Big(x) - log10Big(k) + Math.log10(Math.E)) > EVAL_LIMITS.maxIntegerDigits) return undefined;
      let c = 1n;
      for (let i = 0n; i < k; i++) c = (c * (x - i)) / (i + 1n);
      return c;
    }
    default: return undefined;
  }
}

function toMath(v: Val): unknown {
  return v.kind === 'int' ? big(v.n.toString()) : v.v;
}

function relErr(v: Val): number {
  return v.kind === 'int' ? 0 : v.r;
}

function isBigValued(v: unknown): boolean {
  return math.isBigNumber(v) || (math.isUnit(v) && math.isBigNumber(v.value));
}

/** The rounding unit of the arithmetic that produced `v`. */
function ulp(v: unknown): number {
  return isBigValued(v) ? BIG_ULP : DOUBLE_ULP;
}

/** Bound on the relative error of a value for it to be shown (all 15 printed digits right). */
function errorLimit(v: unknown): number {
  return isBigValued(v) ? EVAL_LIMITS.maxRelativeError : EVAL_LIMITS.maxRelativeErrorDouble;
}

function magnitude(v: unknown): BigNum {
  if (math.isBigNumber(v)) return v.abs();
  if (typeof v === 'number') return big(Math.abs(v));
  if (math.isComplex(v)) return big(math.abs(v) as unknown as number);
  if (math.isUnit(v)) return v.value === null || v.value === undefined ? big(0) : magnitude(v.value);
  return big(Number.NaN);
}

/** a / b as a double (Infinity when b is 0 and a is not). */
function ratio(a: BigNum, b: BigNum): number {
  if (a.isZero()) return 0;
  if (b.isZero()) return Infinity;
  const q = a.div(b).toNumber();
  return Number.isNaN(q) ? Infinity : q;
}

function isZero(v: unknown): boolean {
  return magnitude(v).isZero();
}

/** The value `v` moved by `ae` (absolute) down or up; only for real BigNumbers. */
function shifted(v: BigNum, ae: BigNum, up: boolean): BigNum {
  return up ? v.plus(ae) : v.minus(ae);
}

/** Absolute error bound of a real BigNumber with relative bound r, widened past the rounding of the shift itself. */
function absErr(v: BigNum, r: number): BigNum {
  return v.abs().times(big(2 * r + 10 * BIG_ULP));
}

const MONOTONE_STEPS = new Set(['floor', 'ceil', 'round', 'fix', 'sign']);
const INTEGER_ONLY = new Set(['gcd', 'lcm', 'combinations', 'permutations']);
const PERIODIC = new Set(['sin', 'cos', 'tan', 'sec', 'csc', 'cot']);
const EXACT_ON_EXACT = new Set(['abs', 'unaryMinus', 'unaryPlus', 'max', 'min', ...MONOTONE_STEPS]);

/** Relative error of f(xs) given the errors of its arguments, measured by moving each inexact argument. */
function conditioned(name: string, f: MathFn, xs: unknown[], args: Val[], v0: unknown): number {
  const m0 = magnitude(v0);
  let r = ulp(v0);
  for (const [i, a] of args.entries()) {
    const ri = relErr(a);
    if (ri === 0) continue;
    const x = xs[i];
    if (PERIODIC.has(name) && magnitude(x).toNumber() * ri > 1e-3) return Infinity;
    const isBig = isBigValued(x);
    const h = Math.max(1000 * ri, isBig ? 1e-50 : 1e-7);
    const moved = [...xs];
    moved[i] = math.multiply(x as number, isBig ? big(1).plus(big(h)) : 1 + h);
    let diff: BigNum;
    try {
      diff = magnitude(math.subtract(f(...moved) as number, v0 as number));
    } catch {
      return Infinity; // the function is not even defined nearby
    }
    r += 2 * (ratio(diff, m0) / h) * ri;
  }
  return r;
}

/** Error bound of f(xs) for a step function: 0 if f is constant over the arguments' error intervals, else Infinity. */
function stepStable(f: MathFn, xs: unknown[], args: Val[], v0: unknown): number {
  const [x, ...rest] = xs;
  if (args.slice(1).some((a) => relErr(a) > 0) || !math.isBigNumber(x)) return Infinity;
  const ae = absErr(x, relErr(args[0]!));
  for (const up of [false, true]) {
    const moved = f(shifted(x, ae, up), ...rest);
    // Exact comparison (math.equal would compare with a relative tolerance).
    if (!math.isBigNumber(moved) || !math.isBigNumber(v0) || !moved.equals(v0)) return Infinity;
  }
  return 0;
}

/** Error bound of mod(x, y) = x - y·floor(x/y) when the quotient's floor is the same over the error intervals. */
function modError(xs: unknown[], args: Val[], v0: unknown): number {
  const [x, y] = xs;
  if (!math.isBigNumber(x) || !math.isBigNumber(y) || !math.isBigNumber(v0) || y.isZero()) return Infinity;
  const q = x.div(y);
  if (q.abs().greaterThan(1e40)) return Infinity;
  const q0 = q.floor();
  const aex = absErr(x, relErr(args[0]!));
  const aey = absErr(y, relErr(args[1]!));
  for (const ux of [false, true]) {
    for (const uy of [false, true]) {
      if (!shifted(x, aex, ux).div(shifted(y, aey, uy)).floor().equals(q0)) return Infinity;
    }
  }
  return ratio(aex.plus(q0.abs().times(aey)), v0.abs()) + BIG_ULP;
}

/** Position of the lowest non-zero digit (10^k) of a finite, non-zero BigNumber. */
function lowestDigit(x: BigNum): number {
  return x.e - x.sd() + 1;
}

/**
 * Whether a 64-digit + - * / of exact decimals gave the exact result: it does when the exact
 * result has at most 64 significant digits (0.1 + 0.2 - 0.3 is exactly 0, 1/4 exactly 0.25).
 */
function isExactDecimal(name: string, xs: unknown[], v: unknown): boolean {
  const [a, b] = xs;
  if (xs.length !== 2 || !math.isBigNumber(a) || !math.isBigNumber(b) || !math.isBigNumber(v) || !v.isFinite()) return false;
  if (!a.isFinite() || !b.isFinite()) return false;
  const digits = 64;
  switch (name) {
    case 'add':
    case 'subtract': {
      if (a.isZero() || b.isZero()) return true;
      return Math.max(a.e, b.e) + 1 - Math.min(lowestDigit(a), lowestDigit(b)) + 1 <= digits;
    }
    case 'multiply':
      return a.isZero() || b.isZero() || a.sd() + b.sd() <= digits;
    case 'divide':
      // v is exact when v·b = a holds exactly (the product is exact when it fits in 64 digits).
      return !b.isZero() && (v.isZero() || (v.sd() + b.sd() <= digits && v.times(b).equals(a)));
    default:
      return false;
  }
}

function apply(name: string, args: Val[]): Val {
  if (args.every((a) => a.kind === 'int')) {
    const n = exact(name, args.map((a) => (a as { n: bigint }).n));
    if (n !== undefined) return { kind: 'int', n };
  }
  const xs = args.map(toMath);
  if (['factorial', 'gamma'].includes(name) || (name === 'permutations' && xs.length === 1)) {
    if (magnitude(xs[0]).greaterThan(EVAL_LIMITS.maxFactorial)) throw new Refusal('CALC_ERROR', `factorial arguments are limited to ${EVAL_LIMITS.maxFactorial}`);
  }
  const f = fn(name);
  const v = f(...xs);
  let r: number;
  if (args.every((a) => relErr(a) === 0)) {
    r = EXACT_ON_EXACT.has(name) || isExactDecimal(name, xs, v) ? 0 : ulp(v);
  } else if (name === 'add' || name === 'subtract') {
    // |error| ≤ |a|·ra + |b|·rb + one rounding: cancellation shows up as a huge ratio.
    const m = magnitude(v);
    r = ulp(v);
    for (const [i, a] of args.entries()) if (relErr(a) > 0) r += relErr(a) * ratio(magnitude(xs[i]), m);
  } else if (name === 'multiply' || name === 'divide') {
    const [ra, rb] = [relErr(args[0]!), relErr(args[1]!)];
    const exactZero = args.some((a, i) => relErr(a) === 0 && isZero(xs[i]));
    r = name === 'multiply' && exactZero ? 0 : ra + rb + 2 * ra * rb + ulp(v) + (name === 'divide' ? 2 * rb * rb : 0);
  } else if (name === 'unaryMinus' || name === 'unaryPlus' || name === 'abs') {
    r = relErr(args[0]!);
  } else if (name === 'max' || name === 'min') {
    r = Math.max(...args.map(relErr));
  } else if (name === 'to') {
    r = relErr(args[0]!) + ulp(v);
  } else if (MONOTONE_STEPS.has(name)) {
    r = stepStable(f, xs, args, v);
  } else if (name === 'mod') {
    r = modError(xs, args, v);
  } else if (INTEGER_ONLY.has(name)) {
    r = Infinity; // integer functions of a rounded argument would answer for a different number
  } else {
    r = conditioned(name, f, xs, args, v);
  }
  if (math.isBigNumber(v) && !v.isFinite()) return { kind: 'num', v, r: 0 }; // format() refuses it
  if (!(r <= errorLimit(v))) throw new Refusal('CALC_PRECISION', PRECISION_MESSAGE);
  if (r === 0 && math.isBigNumber(v) && v.isInteger() && v.e < EVAL_LIMITS.maxIntegerDigits) return { kind: 'int', n: BigInt(v.toFixed(0)) };
  return { kind: 'num', v, r };
}

function evaluateNode(node: MathNode): Val {
  switch (node.type) {
    case 'ConstantNode': {
      // A literal is exactly what was typed (decimal.js keeps every digit of it).
      const v = (node as unknown as { value: unknown }).value;
      if (math.isBigNumber(v) && v.isFinite() && v.isInteger() && v.e < EVAL_LIMITS.maxIntegerDigits) return { kind: 'int', n: BigInt(v.toFixed(0)) };
      return { kind: 'num', v, r: 0 };
    }
    case 'SymbolNode': {
      const v: unknown = node.compile().evaluate({});
      // pi, e, tau, phi are rounded to 64 digits; a unit name is exact.
      return { kind: 'num', v, r: math.isUnit(v) ? 0 : ulp(v) };
    }
    case 'ParenthesisNode':
      return evaluateNode((node as unknown as { content: MathNode }).content);
    case 'OperatorNode': {
      const op = node as unknown as { fn: string; args: MathNode[] };
      return apply(op.fn, op.args.map(evaluateNode));
    }
    case 'FunctionNode': {
      const call = node as unknown as { fn: { name: string }; args: MathNode[] };
      return apply(call.fn.name, call.args.map(evaluateNode));
    }
    default:
      throw new Refusal('CALC_ERROR', `"${node.type}" expressions are not supported`); // check() refuses these first
  }
}

function format(val: Val): CalcOutcome {
  const outOfRange: CalcOutcome = { ok: false, code: 'CALC_ERROR', message: `the result is out of range (beyond 1e${EVAL_LIMITS.maxExponent})` };
  if (val.kind === 'int') {
    const s = val.n.toString();
    // Exact integers are shown in full: at most maxExponent + 1 digits.
    if (s.length - (val.n < 0n ? 1 : 0) > EVAL_LIMITS.maxExponent + 1) return outOfRange;
    return { ok: true, result: s };
  }
  const value = val.v;
  if (math.isBigNumber(value)) {
    if (!value.isFinite()) return { ok: false, code: 'CALC_ERROR', message: 'the result is not a finite number (division by zero or overflow)' };
    if (value.isZero()) return { ok: true, result: '0' };
    if (Math.abs(value.e) > EVAL_LIMITS.maxExponent) return outOfRange;
    // Inexact (or non-integer) results: 15 significant digits, all of them right (apply() checked the bound).
    return { ok: true, result: math.format(value, { precision: 15 }) };
  }
  if (math.isUnit(value) || math.isComplex(value)) return { ok: true, result: math.format(value, { precision: 15 }) };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, code: 'CALC_ERROR', message: 'the result is not a finite number' };
    return { ok: true, result: math.format(value, { precision: 15 }) };
  }
  return { ok: false, code: 'CALC_FORBIDDEN', message: 'the result is not a number' };
}

export function evaluateExpression(expr: string): CalcOutcome {
  let tree: MathNode;
  try {
    tree = math.parse(expr);
  } catch (err) {
    const message = err instanceof Error ? err.message : 'parse error';
    if (err instanceof RangeError) return { ok: false, code: 'CALC_FORBIDDEN', message: 'the expression is nested too deeply' };
    return { ok: false, code: 'CALC_SYNTAX', message: `could not parse the expression: ${message}` };
  }
  const reason = check(tree, 0, { n: 0 });
  if (reason) return { ok: false, code: 'CALC_FORBIDDEN', message: reason };
  try {
    return format(evaluateNode(tree));
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, code: err.code, message: err.message };
    const message = err instanceof Error ? err.message : 'evaluation failed';
    return { ok: false, code: 'CALC_ERROR', message: `could not evaluate: ${message}` };
  }
}
