/**
 * The calculator: what a person expects from a calculator, and hostile input that must be
 * refused quickly without harming the server (AST allowlist + worker pool bounds).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
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

describe('calculator pool bounds', () => {
  let pool: CalcPool;
  before(() => { pool = new CalcPool({ workers: 1, idleMs: 60_000, timeoutMs: 300, maxHeapMb: 64, maxQueue: 4 }, silentLogger()); });
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

  it('refuses with CALC_BUSY when the queue is full', async () => {
    const jobs = Array.from({ length: 12 }, () => pool.evaluate('2^64').then(() => 'ok', (e: unknown) => (e instanceof ChatError ? e.code : 'other')));
    const results = await Promise.all(jobs);
    assert.ok(results.includes('CALC_BUSY'), JSON.stringify(results));
    assert.ok(results.includes('ok'));
  });
});

describe('calculator pool starts workers on demand and retires idle ones', () => {
  let pool: CalcPool;
  before(() => { pool = new CalcPool({ workers: 2, idleMs: 300, timeoutMs: 5000, maxHeapMb: 64, maxQueue: 8 }, silentLogger()); });
  after(async () => { await pool.close(); });

  async function until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!cond()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('runs no worker thread before the first calculation', () => {
    assert.equal(pool.liveWorkers, 0);
  });

  it('starts one worker for one calculation, and no more than calc.workers under load', async () => {
    assert.equal(await pool.evaluate('6*7'), '42');
    assert.equal(pool.liveWorkers, 1);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.evaluate(`${i}+1`)));
    assert.deepEqual(results, ['1', '2', '3', '4', '5', '6']);
    assert.ok(pool.liveWorkers >= 1 && pool.liveWorkers <= 2, `${pool.liveWorkers} workers`);
  });

  it('stops idle workers after idleMs and starts a fresh one for the next calculation', async () => {
    await until(() => pool.liveWorkers === 0, 'idle workers to be retired');
    assert.equal(await pool.evaluate('2^10'), '1024');
    assert.equal(pool.liveWorkers, 1);
    assert.equal(pool.stats.timeouts, 0, 'retiring a worker is not a failure');
  });
});

describe('calculator pool with warm workers', () => {
  let pool: CalcPool;
  before(() => { pool = new CalcPool({ workers: 2, warmWorkers: 1, idleMs: 100, timeoutMs: 10_000, maxHeapMb: 64, maxQueue: 8 }, silentLogger()); });
  after(async () => { await pool.close(); });

  it('starts warmWorkers with the pool and keeps them through idle time', async () => {
    assert.equal(pool.liveWorkers, 1);
    assert.deepEqual(await Promise.all(['1+1', '2+2', '3+3'].map((e) => pool.evaluate(e))), ['2', '4', '6']);
    // Well past idleMs: extra workers are gone, the warm one stays.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(pool.liveWorkers, 1);
    assert.equal(await pool.evaluate('2^10'), '1024');
  });
});
