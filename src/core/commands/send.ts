// send <#room|name> <text>
import { foldName, normalizeText, textProblemCode } from '../../protocol/index.ts';
import { convKey } from '../conv.ts';
import { ChatError } from '../errors.ts';
import { modOf, speakRefusal } from '../moderation.ts';
import { whoOf } from './moderate.ts';
import { defineCommand, me, type CommandContext } from './command.ts';
import { requireRoom, resolveTarget } from './target.ts';
import { fileService } from './files.ts';
import type { FileService } from '../files/service.ts';
import type { ChatMessage, ClientRequest } from '../../protocol/index.ts';
import type { UserEntry } from '../directory.ts';
import { mentionsOf, messagesConfig } from './message.ts';

type Ctx = CommandContext;
type Req = Extract<ClientRequest, { type: 'send' }>;
type User = UserEntry;
type Reply = { replyTo: string; thread: string; depth: number };
type Attached = Awaited<ReturnType<FileService['attach']>>;

export const send = defineCommand({
  name: 'send',
  needsLogin: true,
  help: 'send TARGET TEXT — a message to a room you are in or to one user (registered users get it when they are back)',
  // Not an async function: a plain message to a room or an online user goes to the store at
  // once and returns the store's promise, so nothing of this frame is kept while the message
  // waits for its commit (682 B per waiting message as an async function, `bench/irc-alloc.ts --held`).
  run(ctx, req) {
    const user = me(ctx);
    const norm: ReturnType<typeof normalizeText> = req.files && req.text.trim() === '' ? { text: '' } : normalizeText(req.text);
    if ('problem' in norm) throw new ChatError(textProblemCode(norm.problem));
    const to = sendTarget(ctx, user, req.to);
    if (typeof to === 'string' && req.replyTo === undefined && !req.files) return store(ctx, user, req, norm.text, to, undefined, undefined);
    return sendSlow(ctx, user, req, norm.text, to);
  },
});

/** A reply, files, or an offline recipient: each is looked up first. */
async function sendSlow(ctx: Ctx, user: User, req: Req, text: string, target: string | Promise<string>): Promise<{ msg: ChatMessage }> {
  const to = await target;
  const conv = convKey(user.name, to);
  const reply = req.replyTo !== undefined ? await replyPlace(ctx, user, conv, req.replyTo) : undefined;
  // Files become the conversation's before the message is stored, and go back if it is not.
  const attached = req.files ? await fileService(ctx).attach(user.principal, req.files, conv, resendKey(user, req.id)) : undefined;
  try {
    return await store(ctx, user, req, text, to, reply, attached);
  } catch (err) {
    if (attached?.fresh) await fileService(ctx).detach(req.files!);
    throw err;
  }
}

/** Stores the message; once committed, checks a resend and announces the message. */
function store(ctx: Ctx, user: User, req: Req, text: string, to: string, reply: Reply | undefined, attached: Attached | undefined): Promise<{ msg: ChatMessage }> {
  const participants = to.startsWith('#') ? undefined : [...new Set([user.folded, foldName(to)])].sort();
  const conv = convKey(user.name, to);
  // A client that never sends an id again needs no resend key in the store (session.ts).
  const clientKey = ctx.session.resendsIds === false ? undefined : resendKey(user, req.id);
  const room = to.startsWith('#') ? ctx.core.dir.room(to) : undefined;
  const mentions = text === '' ? [] : mentionsOf(ctx, user, room, text);
  const { core } = ctx;
  const folded = user.folded;
  return core.deps.store.append({
    conv, to, from: user.name, text,
    clientKey, ...(req.kind ? { kind: req.kind } : {}), ...(participants ? { participants } : {}),
    ...(attached ? { files: attached.files } : {}), author: user.principal, ...(reply ?? {}),
    ...(mentions.length > 0 ? { mentions } : {}),
  }).then((msg) => committed(core, req, text, conv, folded, msg));
}

function committed(core: Ctx['core'], req: Req, text: string, conv: string, folded: string, msg: ChatMessage): { msg: ChatMessage } {
  // A resend returns the first message. A *different* message under a reused id is not a
  // resend: maybe a buggy client, maybe someone who took a guest's name replaying its ids
  // to read what it sent. Neither gets the earlier message, and nothing is lost silently.
  if (msg.text !== text || convKey(msg.from, msg.to) !== conv || foldName(msg.from) !== folded || msg.kind !== req.kind || (msg.files ?? []).map((f) => f.id).join() !== (req.files ?? []).join() || msg.replyTo !== req.replyTo) {
    throw new ChatError('REQUEST_ID_REUSED', `request id "${req.id}" was already used for another message; nothing was sent`);
  }
  if (req.tags && Object.keys(req.tags).length > 0) {
    const tagged = { ...msg, tags: req.tags };
    core.emit({ kind: 'message', msg: tagged });
    return { msg: tagged };
  }
  core.emit({ kind: 'message', msg });
  return { msg };
}

/** Where a reply goes: under `replyTo` (a message of the same conversation the sender may read), in its thread. */
async function replyPlace(ctx: Ctx, user: User, conv: string, replyTo: string): Promise<{ replyTo: string; thread: string; depth: number }> {
  const parent = await ctx.core.deps.store.get(conv, replyTo);
  // A DM reads from dmSince on (owner.ts): an older message is no message to this user.
  if (!parent || (!conv.startsWith('#') && parent.msg.ts < user.dmSince)) throw new ChatError('NO_SUCH_MESSAGE', `no message ${replyTo} in this conversation`);
  if (parent.msg.deleted) throw new ChatError('MESSAGE_DELETED', 'the message was deleted');
  const depth = parent.depth + 1;
  const max = messagesConfig(ctx).threadMaxDepth;
  if (depth > max) throw new ChatError('THREAD_TOO_DEEP', `a reply chain may be at most ${max} replies deep`);
  return { replyTo: parent.msg.id, thread: parent.msg.thread ?? parent.msg.id, depth };
}

/**
 * The idempotency key of a send: an account's resends are recognised across connections;
 * a guest's by name and request id (a reconnecting guest has a new session), made safe by
 * the same-message check above.
 */
function resendKey(user: User, id: string): string {
  return user.account !== undefined ? `${user.principal}\n${id}` : `${user.folded}\n${id}`;
}

/**
 * A room the sender is in, an online user, or a registered user who is offline (stored for
 * later; only that one needs the accounts, so only it is a promise).
 */
function sendTarget(ctx: Ctx, user: User, to: string): string | Promise<string> {
  if (to.startsWith('#')) {
    // The room's rules (moderation.ts): membership (+n), bans, mutes, +m, slow mode.
    const room = requireRoom(ctx, to);
    const now = ctx.core.deps.clock.now();
    const refusal = speakRefusal(room, whoOf(ctx, user), now);
    if (refusal) throw refusal;
    // Counted now, before the store's await, so pipelined sends cannot all slip through.
    if (room.mod && room.mod.slow > 0 && room.members.has(user.folded)) modOf(room).lastSpoke.set(user.folded, now);
    return room.name;
  }
  try {
    const target = resolveTarget(ctx, user, to);
    return 'room' in target ? target.room.name : target.user.name;
  } catch (err) {
    if (!(err instanceof ChatError) || err.code !== 'NO_SUCH_USER') throw err;
    return offlineAccount(ctx, to, err);
  }
}

async function offlineAccount(ctx: Ctx, to: string, unknown: ChatError): Promise<string> {
  const acct = await ctx.core.accounts.get(foldName(to));
  if (!acct) throw unknown;
  return acct.name;
}
