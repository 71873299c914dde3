// send <#room|name> <text>
import { foldName, normalizeText, textProblemCode } from '../../protocol/index.ts';
import { convKey } from '../conv.ts';
import { ChatError } from '../errors.ts';
import { modOf, speakRefusal } from '../moderation.ts';
import { whoOf } from './moderate.ts';
import { defineCommand, me } from './command.ts';
import { requireRoom, resolveTarget } from './target.ts';
import { fileService } from './files.ts';
import { mentionsOf, messagesConfig } from './message.ts';

export const send = defineCommand({
  name: 'send',
  needsLogin: true,
  help: 'send TARGET TEXT — a message to a room you are in or to one user (registered users get it when they are back)',
  async run(ctx, req) {
    const user = me(ctx);
    const norm: ReturnType<typeof normalizeText> = req.files && req.text.trim() === '' ? { text: '' } : normalizeText(req.text);
    if ('problem' in norm) throw new ChatError(textProblemCode(norm.problem));
    const to = await sendTarget(ctx, user, req.to);
    const participants = to.startsWith('#') ? undefined : [...new Set([user.folded, foldName(to)])].sort();
    const conv = convKey(user.name, to);
    const key = resendKey(user, req.id);
    // A client that never sends an id again needs no resend key in the store (session.ts).
    const clientKey = ctx.session.resendsIds === false ? undefined : key;
    const reply = req.replyTo !== undefined ? await replyPlace(ctx, user, conv, req.replyTo) : undefined;
    const room = to.startsWith('#') ? ctx.core.dir.room(to) : undefined;
    const mentions = norm.text === '' ? [] : mentionsOf(ctx, user, room, norm.text);
    // Files become the conversation's before the message is stored, and go back if it is not.
    const attached = req.files ? await fileService(ctx).attach(user.principal, req.files, conv, key) : undefined;
    let msg;
    try {
      msg = await ctx.core.deps.store.append({
        conv, to, from: user.name, text: norm.text,
        clientKey, ...(req.kind ? { kind: req.kind } : {}), ...(participants ? { participants } : {}),
        ...(attached ? { files: attached.files } : {}), author: user.principal, ...(reply ?? {}),
        ...(mentions.length > 0 ? { mentions } : {}),
      });
    } catch (err) {
      if (attached?.fresh) await fileService(ctx).detach(req.files!);
      throw err;
    }
    // A resend returns the first message. A *different* message under a reused id is not a
    // resend: maybe a buggy client, maybe someone who took a guest's name replaying its ids
    // to read what it sent. Neither gets the earlier message, and nothing is lost silently.
    if (msg.text !== norm.text || convKey(msg.from, msg.to) !== conv || foldName(msg.from) !== user.folded || msg.kind !== req.kind || (msg.files ?? []).map((f) => f.id).join() !== (req.files ?? []).join() || msg.replyTo !== req.replyTo) {
      throw new ChatError('REQUEST_ID_REUSED', `request id "${req.id}" was already used for another message; nothing was sent`);
    }
    if (req.tags && Object.keys(req.tags).length > 0) {
      const tagged = { ...msg, tags: req.tags };
      ctx.core.emit({ kind: 'message', msg: tagged });
      return { msg: tagged };
    }
    ctx.core.emit({ kind: 'message', msg });
    return { msg };
  },
});

/** Where a reply goes: under `replyTo` (a message of the same conversation the sender may read), in its thread. */
async function replyPlace(ctx: Parameters<typeof send.run>[0], user: ReturnType<typeof me>, conv: string, replyTo: string): Promise<{ replyTo: string; thread: string; depth: number }> {
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
function resendKey(user: ReturnType<typeof me>, id: string): string {
  return user.account !== undefined ? `${user.principal}\n${id}` : `${user.folded}\n${id}`;
}

/** A room the sender is in, an online user, or a registered user who is offline (stored for later). */
async function sendTarget(ctx: Parameters<typeof send.run>[0], user: ReturnType<typeof me>, to: string): Promise<string> {
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
    const acct = await ctx.core.accounts.get(foldName(to));
    if (!acct) throw err;
    return acct.name;
  }
}
