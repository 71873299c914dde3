/** The static command registry: one entry per request type (the mapped type makes a missing one a compile error). */
import type { RequestType } from '../../protocol/index.ts';
import type { Command } from './command.ts';
import { away } from './away.ts';
import { back } from './back.ts';
import { calc } from './calc.ts';
import { join } from './join.ts';
import { login } from './login.ts';
import { members } from './members.ts';
import { part } from './part.ts';
import { ping } from './ping.ts';
import { rooms } from './rooms.ts';
import { send } from './send.ts';
import { topic } from './topic.ts';
import { typing } from './typing.ts';
import { tagmsg } from './tagmsg.ts';
import { users } from './users.ts';
import { nick } from './nick.ts';
import { kick } from './kick.ts';
import { op } from './op.ts';
import { invite } from './invite.ts';
import { register } from './register.ts';
import { logout } from './logout.ts';
import { changePassword } from './change-password.ts';
import { history } from './history.ts';
import { read } from './read.ts';
import { unread } from './unread.ts';
import { search } from './search.ts';
import { locate } from './locate.ts';
import { targets } from './targets.ts';
import { authenticate } from './authenticate.ts';
import { mode } from './mode.ts';
import { auditLog, kill, serverBan, wallops } from './admin.ts';
import { upload, fileLinks, fileRevoke } from './files.ts';
import { edit } from './edit.ts';
import { deleteMessage } from './delete.ts';
import { react } from './react.ts';
import { thread } from './thread.ts';
import { mentions } from './mentions.ts';
import { edits } from './edits.ts';

export const COMMANDS: { readonly [K in RequestType]: Command<K> } = {
  login, send, join, part, topic, rooms, members, users, away, back, calc, typing, tagmsg, ping,
  nick, kick, op, invite,
  register, logout, change_password: changePassword, history, read, unread, search,
  locate, targets, authenticate,
  mode, server_ban: serverBan, kill, wallops, audit: auditLog,
  upload, file_links: fileLinks, file_revoke: fileRevoke,
  edit, delete: deleteMessage, react, thread, mentions, edits,
};
