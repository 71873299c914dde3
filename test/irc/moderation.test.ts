/**
 * Moderation over IRC, line by line: MODE for every setting, list and role (set, remove,
 * list, RPL_CHANNELMODEIS with parameters), the join/send refusals as numerics, INVITE past
 * +i, OPER/KILL/WALLOPS, ISUPPORT, and the same rules across transports (an IRC operator
 * bans a web user; a web operator sets +m and an IRC user gets 404).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { ReplyError, startTestServer, TestClient } from '../helpers/server.ts';

const S = `:${SERVER}`;
const PW = 'correct horse battery';
const OPER_PW = 'operator password 123';
let app: App;
before(async () => { app = await startTestServer({ 'irc.autoJoinLobby': false, 'auth.scryptLog2N': 10, admins: 'Root', 'irc.operPassword': OPER_PW, 'rooms.maxListEntries': 3 }); });
after(async () => { await app.close(); });

async function account(name: string): Promise<void> {
  const web = await TestClient.login(app, name);
  await web.request('register', { password: PW });
  web.close();
}

async function ircAccount(name: string): Promise<IrcClient> {
  const c = await IrcClient.connect(app.ircPort!);
  c.send(`PASS :${PW}`);
  c.send(`NICK ${name}`);
  c.send(`USER ${name.toLowerCase()} 0 * :${name}`);
  await c.take(/ (376|422) /);
  return c;
}

async function errCode(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ReplyError ? e.code : String(e)));
}

describe('IRC channel modes', () => {
  it('ISUPPORT advertises exactly the modes, prefixes and lists supported', async () => {
    const c = await IrcClient.register(app, 'Isup');
    const tokens = (await c.command('VERSION')).filter((l) => l.includes(' 005 ')).join(' ');
    for (const t of ['CHANMODES=beIq,k,lW,imnRst', 'PREFIX=(ov)@+', 'EXCEPTS=e', 'INVEX=I', 'MAXLIST=b:3,e:3,I:3,q:3', 'MODES=6', 'KEYLEN=23']) assert.ok(tokens.includes(` ${t} `), t);
    c.close();
  });

  it('sets, shows and removes flags and parameter modes; 324 carries the parameters', async () => {
    const a = await IrcClient.register(app, 'Mona');
    const b = await IrcClient.register(app, 'Ned');
    await a.command('JOIN #modes');
    await b.command('JOIN #modes');
    assert.deepEqual(await a.command('MODE #modes +imstk-n sesame'), [':Mona!~mona@banter MODE #modes +imstk-n sesame']);
    assert.equal(await b.waitLine(/ MODE #modes /), ':Mona!~mona@banter MODE #modes +imstk-n sesame');
    assert.deepEqual(await a.command('MODE #modes +lW 5 30'), [':Mona!~mona@banter MODE #modes +lW 5 30']);
    const shown = await a.command('MODE #modes');
    assert.equal(shown[0], `${S} 324 Mona #modes +iklmstW sesame 5 30`);
    assert.match(shown[1]!, new RegExp(`^${S} 329 Mona #modes \\d+$`));
    const outsider = await IrcClient.register(app, 'Olaf');
    assert.deepEqual(await outsider.command('MODE #modes'), [`${S} 403 Olaf #modes :No such channel`], 'a secret channel does not exist for outsiders');
    assert.deepEqual(await b.command('MODE #modes -m'), [`${S} 482 Ned #modes :You're not channel operator`]);
    assert.deepEqual(await a.command('MODE #modes -klW *'), [':Mona!~mona@banter MODE #modes -klW']);
    assert.deepEqual(await a.command('MODE #modes +l x'), [`${S} 696 Mona #modes l * :limit needs a whole number from 1 to 1000000`]);
    assert.deepEqual(await a.command('MODE #modes +Z'), [`${S} 472 Mona Z :is unknown mode char to me`]);
    assert.deepEqual(await a.command('MODE #modes +m'), [], 'already +m: nothing changes, nothing sent');
    a.close(); b.close(); outsider.close();
  });

  it('bans, exceptions, invite exceptions and quiets: set, list (367/368, 348/349, 346/347, 728/729), remove, bounded', async () => {
    const a = await IrcClient.register(app, 'Lister');
    await a.command('JOIN #lists');
    assert.deepEqual(await a.command('MODE #lists +beIq bad* friend $a:pal noisy'), [':Lister!~lister@banter MODE #lists +beIq bad*!*@* *!friend@* $a:pal noisy!*@*'].map((l) => l.replace('*!friend@*', 'friend!*@*')));
    const bans = await a.command('MODE #lists +b');
    assert.match(bans[0]!, new RegExp(`^${S} 367 Lister #lists bad\\*!\\*@\\* Lister!~lister@banter \\d+$`));
    assert.equal(bans[1], `${S} 368 Lister #lists :End of channel ban list`);
    assert.match((await a.command('MODE #lists e'))[0]!, / 348 Lister #lists friend!\*@\* /);
    assert.match((await a.command('MODE #lists I'))[0]!, / 346 Lister #lists \$a:pal /);
    const quiets = await a.command('MODE #lists q');
    assert.match(quiets[0]!, / 728 Lister #lists q noisy!\*@\* /);
    assert.equal(quiets[1], `${S} 729 Lister #lists q :End of channel quiet list`);
    assert.deepEqual(await a.command('MODE #lists +bbb x y z'), [`${S} 478 Lister #lists b :Channel list is full`]);
    assert.deepEqual(await a.command('MODE #lists -b bad*!*@*'), [':Lister!~lister@banter MODE #lists -b bad*!*@*']);
    assert.deepEqual(await a.command('MODE #lists b'), [`${S} 368 Lister #lists :End of channel ban list`]);
    a.close();
  });

  it('refusals are the standard numerics: 474, 473, 475, 471, 404, 482', async () => {
    const op = await IrcClient.register(app, 'Gate');
    const u = await IrcClient.register(app, 'Visitor');
    await op.command('JOIN #gate');
    await op.command('MODE #gate +b visitor');
    assert.deepEqual(await u.command('JOIN #gate'), [`${S} 474 Visitor #gate :Cannot join channel (+b)`]);
    await op.command('MODE #gate -b+i visitor!*@*');
    assert.deepEqual(await u.command('JOIN #gate'), [`${S} 473 Visitor #gate :Cannot join channel (+i)`]);
    await op.command('MODE #gate -i+k door');
    assert.deepEqual(await u.command('JOIN #gate wrong'), [`${S} 475 Visitor #gate :Cannot join channel (+k)`]);
    assert.equal((await u.command('JOIN #gate door'))[0], ':Visitor!~visitor@banter JOIN #gate');
    await u.command('PART #gate');
    await op.command('MODE #gate -k+l * 1');
    assert.deepEqual(await u.command('JOIN #gate'), [`${S} 471 Visitor #gate :Cannot join channel (+l)`]);
    await op.command('MODE #gate -l+mt');
    await u.command('JOIN #gate');
    assert.deepEqual(await u.command('PRIVMSG #gate :hello'), [`${S} 404 Visitor #gate :Cannot send to channel (+m)`]);
    assert.deepEqual(await u.command('TOPIC #gate :mine'), [`${S} 482 Visitor #gate :You're not channel operator`]);
    await op.command('MODE #gate +v Visitor');
    // The broadcast to the member races op's PONG on another socket: take it before the next command.
    await u.waitLine(/ MODE #gate \+v Visitor$/);
    assert.deepEqual(await u.command('NAMES #gate'), [`${S} 353 Visitor = #gate :+Visitor @Gate`, `${S} 366 Visitor #gate :End of /NAMES list`]);
    assert.deepEqual(await u.command('PRIVMSG #gate :hello'), []);
    await op.command('MODE #gate +q visitor');
    await u.waitLine(/ MODE #gate \+q /);
    assert.deepEqual(await u.command('PRIVMSG #gate :hello'), [`${S} 404 Visitor #gate :Cannot send to channel (you are muted, +q)`]);
    await op.command('MODE #gate -q-m+W visitor 60');
    await u.waitLine(/ MODE #gate -qm\+W /);
    assert.deepEqual(await u.command('PRIVMSG #gate :one'), []);
    assert.deepEqual(await u.command('PRIVMSG #gate :two'), [`${S} 404 Visitor #gate :Cannot send to channel (+W): #gate is in slow mode: wait 60 s`]);
    assert.deepEqual(await u.command('MODE #gate +o Visitor'), [`${S} 482 Visitor #gate :You're not channel operator`]);
    op.close(); u.close();
  });

  it('+R admits only users logged in to an account: a guest gets 477, over IRC and as ROOM_REGISTERED_ONLY over the web', async () => {
    const op = await IrcClient.register(app, 'Regop');
    await op.command('JOIN #regs');
    assert.deepEqual(await op.command('MODE #regs +R'), [':Regop!~regop@banter MODE #regs +R']);
    assert.equal((await op.command('MODE #regs'))[0], `${S} 324 Regop #regs +nR`);
    const guest = await IrcClient.register(app, 'Guesty');
    assert.deepEqual(await guest.command('JOIN #regs'), [`${S} 477 Guesty #regs :Cannot join channel (+R) - you need to be logged into your account`]);
    const web = await TestClient.login(app, 'WebGuest');
    assert.equal(await errCode(web.request('join', { room: '#regs' })), 'ROOM_REGISTERED_ONLY');
    // A guest who registers is let in at once (the account is what counts, not how one arrived).
    await web.request('register', { password: PW });
    await web.request('join', { room: '#regs' });
    assert.deepEqual(await op.command('MODE #regs -R'), [':Regop!~regop@banter MODE #regs -R']);
    assert.equal((await guest.command('JOIN #regs'))[0], ':Guesty!~guesty@banter JOIN #regs');
    op.close(); guest.close(); web.close();
  });

  it('a quieted user (+q) sends no typing notification (404) and cannot change nick while on the channel (435)', async () => {
    const op = await IrcClient.register(app, 'Hush', ['message-tags']);
    const q = await IrcClient.register(app, 'Loud', ['message-tags']);
    await op.command('JOIN #hush');
    await q.command('JOIN #hush');
    await op.command('MODE #hush +q loud');
    await q.waitLine(/ MODE #hush \+q /);
    assert.deepEqual(await q.command('@+typing=active TAGMSG #hush'), [`${S} 404 Loud #hush :Cannot send to channel (you are muted, +q)`]);
    assert.deepEqual(await q.command('NICK Louder'), [`${S} 435 Loud Louder #hush :Cannot change nickname while banned or muted on channel`]);
    assert.deepEqual(await q.command('TOPIC #hush :spam'), [`${S} 404 Loud #hush :Cannot send to channel (you are muted, +q)`]);
    await op.command('MODE #hush -q loud!*@*');
    await q.waitLine(/ MODE #hush -q /);
    assert.deepEqual(await q.command('@+typing=active TAGMSG #hush'), []);
    assert.match(await op.waitLine(/TAGMSG #hush$/), /^@\+typing=active :Loud!\S+ TAGMSG #hush$/);
    op.close(); q.close();
  });

  it('INVITE lets a user into a +i channel once; only operators invite there', async () => {
    const op = await IrcClient.register(app, 'Host2');
    const m = await IrcClient.register(app, 'Member2');
    const g = await IrcClient.register(app, 'Guest2');
    await op.command('JOIN #private');
    await m.command('JOIN #private');
    await op.command('MODE #private +i');
    await m.waitLine(/ MODE #private \+i$/);
    assert.deepEqual(await m.command('INVITE Guest2 #private'), [`${S} 482 Member2 #private :You're not channel operator`]);
    assert.deepEqual(await op.command('INVITE Guest2 #private'), [`${S} 341 Host2 Guest2 #private`]);
    assert.equal((await g.command('JOIN #private'))[0], ':Guest2!~guest2@banter JOIN #private');
    await g.command('PART #private');
    assert.deepEqual(await g.command('JOIN #private'), [`${S} 473 Guest2 #private :Cannot join channel (+i)`]);
    op.close(); m.close(); g.close();
  });

  it('a secret channel is hidden from outsiders\' LIST, NAMES and WHOIS', async () => {
    const a = await IrcClient.register(app, 'Spy');
    const o = await IrcClient.register(app, 'Nosy');
    await a.command('JOIN #hidden');
    await a.command('JOIN #shown');
    await a.command('MODE #hidden +s');
    assert.ok(!(await o.command('LIST')).some((l) => l.includes('#hidden')));
    assert.deepEqual(await o.command('NAMES #hidden'), [`${S} 366 Nosy #hidden :End of /NAMES list`]);
    await a.command('TOPIC #hidden :plans');
    assert.deepEqual(await o.command('TOPIC #hidden'), [`${S} 403 Nosy #hidden :No such channel`]);
    assert.ok((await o.command('WHOIS Spy')).includes(`${S} 319 Nosy Spy :@#shown`));
    assert.ok((await a.command('WHOIS Spy')).includes(`${S} 319 Spy Spy :@#hidden @#shown`));
    a.close(); o.close();
  });
});

describe('IRC operators and across transports', () => {
  it('OPER needs the password and an admin account; KILL and WALLOPS need OPER; WHO/WHOIS show the flag', async () => {
    await account('Root');
    await account('Plain');
    const root = await ircAccount('Root');
    const plain = await ircAccount('Plain');
    const victim = await IrcClient.register(app, 'Victim');
    assert.deepEqual(await root.command('KILL Victim :bye'), [`${S} 481 Root :Permission Denied- You're not an IRC operator`]);
    assert.deepEqual(await root.command('OPER Root wrong'), [`${S} 464 Root :Password incorrect`]);
    assert.deepEqual(await plain.command(`OPER Plain :${OPER_PW}`), [`${S} 491 Plain :No O-lines for your host`]);
    assert.deepEqual(await root.command(`OPER Root :${OPER_PW}`), [`${S} 381 Root :You are now an IRC operator`, ':Root!~root@banter MODE Root :+o']);
    assert.ok((await plain.command('WHOIS Root')).includes(`${S} 313 Plain Root :is a server administrator`));
    assert.match((await plain.command('WHO Root'))[0]!, new RegExp(`^${S} 352 Plain \\* ~root banter ${SERVER} Root H\\* :0 Root$`));
    assert.deepEqual(await root.command('WALLOPS :restart soon'), [`${S} NOTICE Root :Server notice from Root: restart soon`]);
    assert.equal(await plain.waitLine(/ NOTICE Plain :Server notice/), `${S} NOTICE Plain :Server notice from Root: restart soon`);
    assert.deepEqual(await root.command('KILL Victim :spamming'), []);
    await victim.waitClosed();
    assert.ok(victim.lines.at(-1)!.startsWith('ERROR :Closing Link: 127.0.0.1 (Killed (Root (spamming)))'));
    root.close(); plain.close();
  });

  it('an IRC operator bans a web user, who can then neither speak nor rejoin', async () => {
    const op = await IrcClient.register(app, 'IrcOp');
    await op.command('JOIN #cross');
    const web = await TestClient.login(app, 'WebUser');
    await web.request('join', { room: '#cross' });
    assert.deepEqual(await op.command('MODE #cross +b WebUser'), [':IrcOp!~ircop@banter MODE #cross +b webuser!*@*']);
    const ev = await web.waitFor((e) => e.type === 'room_mode');
    assert.deepEqual(ev, { type: 'room_mode', room: '#cross', by: 'IrcOp', changes: [{ mode: 'ban', on: true, arg: 'webuser!*@*' }] });
    assert.equal(await errCode(web.request('send', { to: '#cross', text: 'hi' })), 'BANNED_FROM_ROOM');
    await op.command('KICK #cross WebUser :out');
    assert.equal(await errCode(web.request('join', { room: '#cross' })), 'BANNED_FROM_ROOM');
    op.close(); web.close();
  });

  it('a web operator sets +m and an IRC user\'s message gets 404; voicing over the web lets them speak', async () => {
    const web = await TestClient.login(app, 'WebOp');
    await web.request('join', { room: '#quiet' });
    const irc = await IrcClient.register(app, 'IrcUser');
    await irc.command('JOIN #quiet');
    const r = await web.request('mode', { room: '#quiet', changes: [{ mode: 'moderated', on: true }] });
    assert.deepEqual(r.changes, [{ mode: 'moderated', on: true }]);
    assert.equal(await irc.waitLine(/ MODE #quiet/), ':WebOp!~WebOp@banter MODE #quiet +m');
    assert.deepEqual(await irc.command('PRIVMSG #quiet :can I?'), [`${S} 404 IrcUser #quiet :Cannot send to channel (+m)`]);
    await web.request('mode', { room: '#quiet', changes: [{ mode: 'voice', on: true, arg: 'ircuser' }] });
    assert.equal(await irc.waitLine(/ MODE #quiet \+v/), ':WebOp!~WebOp@banter MODE #quiet +v IrcUser');
    assert.deepEqual(await irc.command('PRIVMSG #quiet :now I can'), []);
    assert.equal((await web.waitFor((e) => e.type === 'message' && e.msg.from === 'IrcUser')).type, 'message');
    const members = await web.request('members', { room: '#quiet' });
    assert.deepEqual(members.members.map((m) => [m.name, m.role]), [['IrcUser', 'voice'], ['WebOp', 'owner']]);
    web.close(); irc.close();
  });
});
