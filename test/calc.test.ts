/**
 * The calculator: what a person expects from a calculator, and hostile input that must be
 * refused quickly without harming the server (AST allowlist + worker pool bounds).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { all, create } from 'mathjs';
import { evaluateExpression } from '../src/core/services/calc/evaluate.ts';
import { CalcPool } from '../src/core/services/calc/pool.ts';
import { ChatError } from '../src/core/errors.ts';
import { silentLogger } from '../src/server/logger.ts';

function ok(expr: string): string {
  const r = evaluateExpression(expr);
  assert.ok(r.ok, `${expr}: ${r.ok ? '' : r.message}`);
  return r.result;
}

describe('calculator answers', () => {
  const cases: [string, string][] = [
    ['2+3*4', '14'],
    ['(1+2)^10', '59049'],
    ['0.1+0.2', '0.3'],
    ['2^100', '1267650600228229401496703205376'],
    ['10!', '3628800'],
    ['factorial(5)', '120'],
    ['sqrt(2)', '1.4142135623731'],
    ['sin(pi/6)', '0.5'],
    ['ln(e)', '1'],
    ['log(100, 10)', '2'],
    ['12 % 5', '2'],
    ['-7 mod 3', '2'],
    ['2 (3 + 4)', '14'],
    ['1/3', '0.333333333333333'],
    ['sqrt(-4)', '2i'],
    ['1e3 * 2', '2000'],
  ];
  for (const [expr, want] of cases) it(`${expr} = ${want}`, () => assert.equal(ok(expr), want));

  it('converts units: 5 km to mi', () => assert.match(ok('5 km to mi'), /^3\.1068559611866\d* mi$/));
  it('converts units with "in": 2 inch in cm', () => assert.equal(ok('2 inch in cm'), '5.08 cm'));
});

describe('calculator refuses', () => {
  const refused: [string, string][] = [
    ['1:1e9', 'CALC_FORBIDDEN'],
    ['zeros(1e5,1e5)', 'CALC_FORBIDDEN'],
    ['[1,2,3]', 'CALC_FORBIDDEN'],
    ['cos.constructor', 'CALC_FORBIDDEN'],
    ['__proto__', 'CALC_FORBIDDEN'],
    ['x = 5', 'CALC_FORBIDDEN'],
    ['f(x) = x^2', 'CALC_FORBIDDEN'],
    ['a', 'CALC_FORBIDDEN'],
    ['"abc"', 'CALC_FORBIDDEN'],
    ['import({}, {})', 'CALC_FORBIDDEN'],
    ['evaluate("1+1")', 'CALC_FORBIDDEN'],
    ['{a: 1}', 'CALC_FORBIDDEN'],
    ['true ? 1 : 2', 'CALC_FORBIDDEN'],
    ['factorial(100000)', 'CALC_ERROR'],
    ['9^9^9^9', 'CALC_ERROR'],
    ['1/0', 'CALC_ERROR'],
    ['2 +', 'CALC_SYNTAX'],
    ['sqrt(2', 'CALC_SYNTAX'],
  ];
  for (const [expr, code] of refused) {
    it(`${expr} → ${code}`, () => {
      const r = evaluateExpression(expr);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.code, code);
        assert.ok(r.message.length > 5);
      }
    });
  }

  it('refuses 1,000 nested parentheses without crashing', () => {
    const r = evaluateExpression('('.repeat(1000) + '1' + ')'.repeat(1000));
    assert.equal(r.ok, false);
  });

  it('never throws and never returns a non-string for arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 64 }), (s) => {
      const r = evaluateExpression(s);
      return r.ok ? typeof r.result === 'string' : typeof r.message === 'string';
    }), { numRuns: 3000 });
  });

  it('never evaluates anything outside the allowlist for generated calculator-like input (property)', () => {
    const token = fc.constantFrom('1', '2.5', 'pi', 'e', '+', '-', '*', '/', '^', '!', '(', ')', 'sqrt(', 'sin(', ',', '.', 'constructor', '__proto__', 'x', '=', ':', '[', ']', '{', '}', '"', 'km', ' to ', 'mi');
    fc.assert(fc.property(fc.array(token, { maxLength: 30 }), (parts) => {
      const expr = parts.join('');
      const r = evaluateExpression(expr);
      if (/constructor|__proto__|=|\[|\{|"|(^|[^a-z])x([^a-z]|$)/.test(expr)) return !r.ok;
      return true;
    }), { numRuns: 3000 });
  });
});

describe('calculator never lies beyond 64 digits', () => {
  function refused(expr: string): string {
    const r = evaluateExpression(expr);
    assert.equal(r.ok, false, `${expr} should be refused, got ${r.ok ? r.result : ''}`);
    return r.ok ? '' : r.code;
  }

  // The oracles are BigInt arithmetic in the test itself, independent of mathjs.
  it('mod(10^999, 7) is exact (6: 10^6 ≡ 1 mod 7 and 999 ≡ 3 mod 6, so 10^999 ≡ 10^3 ≡ 6)', () => {
    assert.equal(ok('mod(10^999, 7)'), String(10n ** 999n % 7n));
    assert.equal(ok('mod(10^999, 7)'), '6');
    assert.equal(ok('10^999 % 7'), '6');
    assert.equal(ok('mod(10^999 + 1, 7)'), '0');
  });

  it('gcd(10^999, 10^998+1) = 1 and lcm is exact', () => {
    assert.equal(ok('gcd(10^999, 10^998+1)'), '1');
    assert.equal(ok('gcd(2^300, 6^200)'), String(2n ** 200n));
    assert.equal(ok('lcm(10^40, 3^40)'), String(10n ** 40n * 3n ** 40n));
  });

  it('2^200, 100! and 10^999 + 1 - 10^999 are exact', () => {
    assert.equal(ok('2^200'), String(2n ** 200n));
    let f = 1n;
    for (let i = 2n; i <= 100n; i++) f *= i;
    assert.equal(ok('100!'), String(f));
    assert.equal(ok('10^999 + 1 - 10^999'), '1');
    assert.equal(ok('10^70 + 1'), String(10n ** 70n + 1n));
    assert.equal(ok('(10^999 + 1) / 7'), String((10n ** 999n + 1n) / 7n));
    assert.equal(ok('combinations(200, 100)'), String(comb(200n, 100n)));
  });

  it('exact integer results are bounded: 10^1000 is printed in full, 10^1001 is out of range', () => {
    assert.equal(ok('10^1000'), '1' + '0'.repeat(1000));
    assert.equal(refused('10^1001'), 'CALC_ERROR');
    assert.equal(ok('mod(2^30000, 1000007)'), String(modPow(2n, 30000n, 1000007n)));
  });

  it('matches BigInt arithmetic for random integer expressions with huge operands (property)', () => {
    const big = fc.bigInt({ min: -(10n ** 300n), max: 10n ** 300n });
    fc.assert(fc.property(big, big, fc.bigInt({ min: 1n, max: 10n ** 80n }), (a, b, m) => {
      const expr = `mod((${a}) * (${b}) + (${a}) - (${b}), ${m})`;
      const r = (a * b + a - b) % m;
      return ok(expr) === String(r < 0n ? r + m : r);
    }), { numRuns: 300 });
  });

  const lies: [string, string][] = [
    ['10^999 + 0.5 - 10^999', 'cancels to 0 in 64 digits; the answer is 0.5'],
    ['mod(10^70 + 0.5, 7)', 'the rounded dividend gives 4; the answer is 4.5'],
    ['floor(10^70 + 0.5) - 10^70', 'the rounded argument gives 0'],
    ['1 + 10^-70 - 1', 'cancels to 0; the answer is 1e-70'],
    ['(10^999 + 0.5) * 2 - 2 * 10^999', 'cancels to 0; the answer is 1'],
    ['sin(pi)', 'a rounded pi gives 3e-64; the answer is 0'],
    ['10^20000 + 1 - 10^20000', 'beyond exact integers; 64 digits give 0'],
  ];
  for (const [expr, why] of lies) {
    it(`refuses ${expr} with CALC_PRECISION (${why})`, () => assert.equal(refused(expr), 'CALC_PRECISION'));
  }

  it('never prints an inexact result with more than 15 significant digits', () => {
    // 10^63 + 0.4 used to be printed as the 64-digit integer 10^63, as if exact.
    assert.equal(ok('10^63 + 0.4'), '1e+63');
    assert.equal(ok('2^0.5 * 10^70'), '1.4142135623731e+70');
    assert.equal(ok('(10^999 + 1) / 3'), '3.33333333333333e+998');
  });

  it('keeps exact decimals exact: 0.1 + 0.2 - 0.3 is 0, 1/4 is 0.25', () => {
    assert.equal(ok('0.1 + 0.2 - 0.3'), '0');
    assert.equal(ok('10/4 - 2.5'), '0');
    assert.equal(ok('1/4'), '0.25');
    assert.equal(ok('1.5e100 * 2'), '3' + '0'.repeat(100));
  });

  it('every answer agrees with 1000-digit arithmetic: exact integers exactly, others to all 15 shown digits (property)', () => {
    // 1000 digits hold every exact value these trees can produce (at most 8 leaves of up to 41 digits).
    const ref = create(all!, { number: 'BigNumber', precision: 1000 });
    const leaf = fc.oneof(
      fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
      fc.constantFrom('0.1', '0.5', '1.5e-30', '3.25e40', '7', '10^70', '10^-70', 'sqrt(2)', 'pi', 'e'),
    );
    const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
      node: fc.oneof({ maxDepth: 3, withCrossShrink: true }, leaf, fc.tuple(tie('node'), fc.constantFrom('+', '-', '*', '/'), tie('node')).map(([a, op, b]) => `(${a} ${op} ${b})`)),
    })).node as fc.Arbitrary<string>;
    let answered = 0;
    fc.assert(fc.property(expr, (e) => {
      const r = evaluateExpression(e);
      if (!r.ok) return true;
      answered++;
      const want = ref.bignumber(ref.evaluate(e) as never) as unknown as { isZero(): boolean; isInteger(): boolean; toFixed(d: number): string; minus(x: unknown): { abs(): { div(x: unknown): { toNumber(): number } } }; abs(): unknown };
      if (want.isZero()) return r.result === '0';
      if (/^-?\d+$/.test(r.result) && r.result.replace('-', '').length > 15) return want.isInteger() && want.toFixed(0) === r.result;
      const got = ref.bignumber(r.result);
      const rel = want.minus(got).abs().div(want.abs()).toNumber();
      assert.ok(rel <= 5.01e-15, `${e} = ${r.result}, relative error ${rel}`);
      return true;
    }), { numRuns: 400 });
    assert.ok(answered > 200, `answered ${answered} of 400`);
  });

  it('still answers well-conditioned non-integer calculations', () => {
    assert.equal(ok('floor(10/3)'), '3');
    assert.equal(ok('floor(1/3 * 3)'), '1');
    assert.equal(ok('sin(10^40)'), '-0.569633400953636');
    assert.equal(ok('exp(ln(10))'), '10');
    assert.equal(ok('1/3 + 10^-10'), '0.333333333433333');
  });
});

function comb(n: bigint, k: bigint): bigint {
  let c = 1n;
  for (let i = 0n; i < k; i++) c = (c * (n - i)) / (i + 1n);
  return c;
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

describe('calculator pool bounds', () => {
  let pool: CalcPool;
  before(() => { pool = new CalcPool({ workers: 1, timeoutMs: 300, maxHeapMb: 64, maxQueue: 4 }, silentLogger()); });
  after(async () => { await pool.close(); });

  it('evaluates in a worker', async () => {
    assert.equal(await pool.evaluate('2^10+1'), '1025');
  });

  it('kills and replaces a worker that exceeds the time bound, then keeps working', async () => {
    // combinations(1e15, 1e7) loops ~10^7 BigNumber multiplications: far beyond 300 ms.
    const started = Date.now();
    const slow = await pool.evaluate('combinations(10^15, 10^7)').then(() => 'finished', (e: unknown) => e);
    const elapsed = Date.now() - started;
    assert.ok(slow instanceof ChatError, `expected a refusal, got ${String(slow)}`);
    assert.equal(slow.code, 'CALC_TIMEOUT');
    assert.ok(elapsed < 3000, `bounded: ${elapsed} ms`);
    assert.equal(pool.stats.timeouts, 1);
    assert.equal(await pool.evaluate('1+1'), '2');
  });

  it('passes exact big results and CALC_PRECISION refusals through the worker', async () => {
    assert.equal(await pool.evaluate('mod(10^999, 7)'), '6');
    const err = await pool.evaluate('10^999 + 0.5 - 10^999').then(() => 'answered', (e: unknown) => e);
    assert.ok(err instanceof ChatError, String(err));
    assert.equal(err.code, 'CALC_PRECISION');
  });

  it('refuses with CALC_BUSY when the queue is full', async () => {
    const jobs = Array.from({ length: 12 }, () => pool.evaluate('2^64').then(() => 'ok', (e: unknown) => (e instanceof ChatError ? e.code : 'other')));
    const results = await Promise.all(jobs);
    assert.ok(results.includes('CALC_BUSY'), JSON.stringify(results));
    assert.ok(results.includes('ok'));
  });
});
