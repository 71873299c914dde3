/**
 * The calculator's maths: mathjs (BigNumber mode, 64 significant digits) behind an AST
 * allowlist. mathjs was chosen because it is maintained, parses a calculator grammar
 * (precedence, `!`, `%`, `^`, implicit multiplication), has exact BigNumber arithmetic
 * (0.1+0.2 = 0.3, 2^100 exact) and units (`5 km to mi`) — none of which we want to write.
 *
 * Security: mathjs's own `evaluate` would accept assignments, function definitions, property
 * access and matrix constructors. We parse, walk the tree and refuse every node type and
 * name not on the allowlist, then evaluate only the checked tree with an empty scope. No
 * eval/Function anywhere. Time and memory are bounded by the worker pool (pool.ts).
 *
 * Runs inside a worker thread; exported for direct unit tests too.
 */
import { all, create, type MathNode } from 'mathjs';

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
  /** Results with a decimal exponent above this are refused as out of range. */
  maxExponent: 1000,
};

const ln = math.typed('ln', {
  any: (x: unknown) => math.log(x as number),
});
math.import({ ln }, { override: false });

export type CalcOutcome =
  | { ok: true; result: string }
  | { ok: false; code: 'CALC_SYNTAX' | 'CALC_FORBIDDEN' | 'CALC_ERROR'; message: string };

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

/** Refuses factorial/gamma arguments that would compute astronomically large numbers. */
function checkFactorials(node: MathNode): string | null {
  let problem: string | null = null;
  node.traverse((n) => {
    if (problem) return;
    const isFact = (n.type === 'OperatorNode' && (n as unknown as { fn: string }).fn === 'factorial')
      || (n.type === 'FunctionNode' && ['factorial', 'gamma'].includes((n as unknown as { fn: { name?: string } }).fn.name ?? ''));
    if (!isFact) return;
    const arg = (n as unknown as { args: MathNode[] }).args[0];
    if (!arg) return;
    const v: unknown = arg.compile().evaluate({});
    if (math.isBigNumber(v) && v.abs().greaterThan(EVAL_LIMITS.maxFactorial)) {
      problem = `factorial arguments are limited to ${EVAL_LIMITS.maxFactorial}`;
    }
  });
  return problem;
}

function format(value: unknown): CalcOutcome {
  if (math.isBigNumber(value)) {
    if (!value.isFinite()) return { ok: false, code: 'CALC_ERROR', message: 'the result is not a finite number (division by zero or overflow)' };
    if (value.isZero()) return { ok: true, result: '0' };
    if (Math.abs(value.e) > EVAL_LIMITS.maxExponent) return { ok: false, code: 'CALC_ERROR', message: `the result is out of range (beyond 1e${EVAL_LIMITS.maxExponent})` };
    // Integers are shown exactly while they fit in the 64-digit precision.
    if (value.isInteger() && value.e < 64) return { ok: true, result: value.toFixed(0) };
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
    const fact = checkFactorials(tree);
    if (fact) return { ok: false, code: 'CALC_ERROR', message: fact };
    return format(tree.compile().evaluate({}));
  } catch (err) {
    const message = err instanceof Error ? err.message : 'evaluation failed';
    return { ok: false, code: 'CALC_ERROR', message: `could not evaluate: ${message}` };
  }
}
