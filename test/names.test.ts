/** Name rules (shared with IRC): property-based. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { checkUserName, describeNameProblem, foldName, isRoomName } from '../src/protocol/index.ts';

const first = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_[]\\^{}|'.split(''));
const rest = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_[]\\^{}|-'.split(''));
const validName = fc.tuple(first, fc.array(rest, { maxLength: 31 })).map(([f, r]) => f + r.join(''))
  .filter((n) => !['calc', 'server', 'system', 'nickserv', 'chanserv', 'admin', 'banter'].includes(n.toLowerCase()));

it('accepts every name built from the allowed alphabet (1–32 chars, no leading digit or -)', () => {
  fc.assert(fc.property(validName, (n) => checkUserName(n) === null), { numRuns: 5000 });
});

it('rejects names longer than 32 characters', () => {
  fc.assert(fc.property(validName, fc.array(rest, { minLength: 1, maxLength: 40 }), (n, more) => {
    const long = (n + more.join('')).padEnd(33, 'x');
    return checkUserName(long) === 'too_long';
  }), { numRuns: 2000 });
});

it('rejects any name containing a character outside the alphabet', () => {
  const bad = fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }).filter((c) => !/[A-Za-z0-9_[\]\\^{}|-]/.test(c));
  fc.assert(fc.property(validName, bad, fc.nat(), (n, c, pos) => {
    const i = pos % (n.length + 1);
    const name = n.slice(0, i) + c + n.slice(i);
    return name.length > 32 || checkUserName(name) !== null;
  }), { numRuns: 5000 });
});

it('rejects a leading digit or hyphen', () => {
  fc.assert(fc.property(fc.constantFrom(...'0123456789-'.split('')), fc.array(rest, { maxLength: 20 }), (c, r) => checkUserName(c + r.join('')) === 'bad_first_char'), { numRuns: 1000 });
});

it('folds case for ASCII letters only (casemapping=ascii)', () => {
  fc.assert(fc.property(validName, (n) => foldName(n) === foldName(n.toUpperCase()) && foldName(n) === foldName(n.toLowerCase())), { numRuns: 2000 });
  assert.notEqual(foldName('a[b'), foldName('a{b'));
  assert.equal(foldName('ÄB'), 'Äb');
  // Any string (hostile input is folded too): exactly A–Z change, nothing else, whatever comes before or after them.
  fc.assert(fc.property(fc.string({ maxLength: 40, unit: 'binary' }), (s) => foldName(s) === s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))), { numRuns: 5000 });
  for (const s of ['', 'abc', 'İstanbul', 'ǅ', 'ß', 'Ω', 'ΩA', 'aZ', 'Za']) assert.equal(foldName(s), s.replace(/[A-Z]/g, (c) => c.toLowerCase()), s);
});

it('recognises room names', () => {
  assert.ok(isRoomName('#lobby'));
  assert.ok(isRoomName('#dev-ops.2'));
  for (const bad of ['lobby', '#', '# a', '#a,b', '#' + 'x'.repeat(50), '#a\u0007']) assert.equal(isRoomName(bad), false, bad);
});

it('names a bidi control or invisible character as the reason, wherever it is', () => {
  const hidden = fc.constantFrom('\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\u2063', '\uFEFF', '\u00AD', '\u061C', '\u3164', '\u{E0020}');
  fc.assert(fc.property(validName, hidden, fc.nat(), (n, c, pos) => {
    const i = 1 + (pos % n.length);
    const name = (n.slice(0, i) + c + n.slice(i)).slice(0, 32);
    return !name.includes(c) || checkUserName(name) === 'hidden_chars';
  }), { numRuns: 3000 });
  assert.match(describeNameProblem('hidden_chars'), /U\+202E/);
});
