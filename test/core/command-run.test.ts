/**
 * CommandRun (src/core/command-run.ts): how a command's end is handled, without sockets —
 * a synchronous throw becomes a rejection, unknown errors reach the client as INTERNAL and the
 * log with their detail, every request is measured once with its error code, and a hold ends
 * only after the last command that asked for it, in a later macrotask than its reply.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandRun, type RunHost } from '../../src/core/command-run.ts';
import type { Command, CommandCore } from '../../src/core/commands/command.ts';
import { Delivery, type Conn } from '../../src/core/delivery.ts';
import { ChatError } from '../../src/core/errors.ts';
import { noopMetrics } from '../../src/core/metrics.ts';
import type { NameBinding } from '../../src/core/names.ts';
import { FloodGuard } from '../../src/core/rate-limit.ts';
import type { Session } from '../../src/core/session.ts';
import type { ChatEvent, ClientRequest, ErrorCode, RequestType } from '../../src/protocol/index.ts';

interface Harness {
  host: RunHost;
  conn: Conn;
  requests: { type: RequestType; error: ErrorCode | undefined }[];
  errors: { obj: unknown; msg: string | undefined }[];
  got: ChatEvent[];
  delivery: Delivery;
}

function harness(): Harness {
  const got: ChatEvent[] = [];
  const session: Session = {
    id: 's1', transport: 'ws', remote: '192.0.2.7', connectedAt: 0,
    deliver(ev: ChatEvent) { got.push(ev); },
    queuedBytes: () => 0,
    close() {},
  };
  const conn: Conn = { session, user: 'ann', loggingIn: false, flood: new FloodGuard({ requests: { burst: 10, ratePerSec: 10 }, calc: { burst: 10, ratePerSec: 10 }, maxDelayMs: 0, maxRefusals: 10, refusalWindowMs: 1000 }, 0), held: undefined };
  const requests: Harness['requests'] = [];
  const errors: Harness['errors'] = [];
  const delivery = new Delivery(noopMetrics);
  delivery.local.set('ann', conn);
  const host: RunHost = {
    core: {} as CommandCore,
    delivery,
    names: {} as NameBinding,
    metrics: { request: (type, _s, error) => requests.push({ type, error }) },
    log: { debug() {}, info() {}, warn() {}, error: (obj, msg) => errors.push({ obj, msg }) },
    serverBanOf: () => undefined,
    attached: () => true,
  };
  return { host, conn, requests, errors, got, delivery };
}

const req = { type: 'ping', id: 'r1' } as unknown as Extract<ClientRequest, { type: 'ping' }>;
const command = (run: Command<'ping'>['run']): Command<'ping'> => ({ name: 'ping', needsLogin: false, help: '', run });
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CommandRun', () => {
  it('turns a synchronous throw into a rejection with the same error, measured once', async () => {
    const h = harness();
    const run = new CommandRun(h.host, h.conn, undefined, 'ping');
    let p: Promise<unknown> | undefined;
    assert.doesNotThrow(() => { p = run.start(command(() => { throw new ChatError('NO_SUCH_ROOM', 'gone'); }), req); });
    await assert.rejects(p!, (err: unknown) => err instanceof ChatError && err.code === 'NO_SUCH_ROOM' && err.message === 'gone');
    assert.deepEqual(h.requests, [{ type: 'ping', error: 'NO_SUCH_ROOM' }]);
    assert.equal(h.errors.length, 0, 'a ChatError is the client\'s answer, not a server error');
  });

  it('answers INTERNAL for anything else and logs its detail with the request type', async () => {
    const h = harness();
    const p = new CommandRun(h.host, h.conn, undefined, 'ping').start(command(async () => { throw new TypeError('secret detail'); }), req);
    await assert.rejects(p, (err: unknown) => err instanceof ChatError && err.code === 'INTERNAL' && !err.message.includes('secret'));
    assert.deepEqual(h.requests, [{ type: 'ping', error: 'INTERNAL' }]);
    assert.equal(h.errors.length, 1);
    const logged = h.errors[0]!.obj as { err: Error; request: string; conn: string };
    assert.equal(logged.err.message, 'secret detail');
    assert.equal(logged.request, 'ping');
    assert.equal(logged.conn, 's1');
  });

  it('resolves with the reply data and measures the request without an error', async () => {
    const h = harness();
    const data = await new CommandRun(h.host, h.conn, undefined, 'ping').start(command(async () => ({ pong: true }) as never), req);
    assert.deepEqual(data, { pong: true });
    assert.deepEqual(h.requests, [{ type: 'ping', error: undefined }]);
  });

  it('holds events until the last command that asked for the hold is done, then releases them after its reply', async () => {
    const h = harness();
    let finishFirst!: () => void;
    let finishSecond!: () => void;
    const first = new CommandRun(h.host, h.conn, undefined, 'ping').start(command((ctx) => {
      ctx.hold();
      return new Promise((resolve) => { finishFirst = () => resolve({} as never); });
    }), req);
    const second = new CommandRun(h.host, h.conn, undefined, 'ping').start(command((ctx) => {
      ctx.hold();
      ctx.hold(); // a second call from the same command is the same owner
      return new Promise((resolve) => { finishSecond = () => resolve({} as never); });
    }), req);
    h.delivery.toUser('ann', { type: 'notice', text: 'while held' });
    assert.equal(h.got.length, 0, 'held while the commands run');
    finishFirst();
    await first;
    await macrotask();
    assert.equal(h.got.length, 0, 'the second command still holds');
    finishSecond();
    let replied = false;
    const order: string[] = [];
    void second.then(() => { replied = true; order.push(`reply(${h.got.length})`); });
    await second;
    assert.ok(replied);
    await macrotask();
    assert.deepEqual(order, ['reply(0)'], 'the reply came before any held event');
    assert.deepEqual(h.got, [{ type: 'notice', text: 'while held' }]);
  });
});
