/**
 * Every IRC command Banter supports, asserted line by line over raw TCP, and every error
 * numeric it sends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { IrcClient, SERVER } from '../helpers/irc.ts';
import { startTestServer, TestClient } from '../helpers/server.ts';

let app: App;
before(async () => { app = await startTestServer({ 'irc.autoJoinLobby': false }); });
after(async () => { await app.close(); });

const S = `:${SERVER}`;

describe('channels', () => {
  it('without auto-join a fresh client is in no channel', async () => {
    const c = await IrcClient.register(app, 'Fresh');
    const whois = await c.command('WHOIS Fresh');
    assert.match(whois[2]!, new RegExp(`^${S} 317 Fresh Fresh \\d+ \\d+ :seconds idle, signon time$`));
    assert.deepEqual([whois[0], whois[1], whois[3]], [
      `${S} 311 Fresh Fresh ~fresh banter * :Real Fresh`,
      `${S} 312 Fresh Fresh ${SERVER} :Banter`,
      `${S} 318 Fresh Fresh :End of /WHOIS list`,
    ]);
    c.close();
  });

  it('JOIN, NAMES, TOPIC, MODE, LIST, WHO, PART', async () => {
    const a = await IrcClient.register(app, 'Ann');
    const b = await IrcClient.register(app, 'Ben');
    assert.deepEqual(await a.command('JOIN #Chan1'), [
      ':Ann!~ann@banter JOIN #Chan1',
      `${S} 353 Ann = #Chan1 :@Ann`,
      `${S} 366 Ann #Chan1 :End of /NAMES list`,
    ]);
    assert.deepEqual(await a.command('JOIN #chan1'), [], 'joining again does nothing');
    assert.deepEqual(await a.command('TOPIC #chan1'), [`${S} 331 Ann #Chan1 :No topic is set`]);
    assert.deepEqual(await a.command('TOPIC #chan1 :release Friday'), [':Ann!~ann@banter TOPIC #Chan1 :release Friday']);
    const joined = await b.command('JOIN #chan1');
    assert.equal(joined[0], ':Ben!~ben@banter JOIN #Chan1');
    assert.equal(joined[1], `${S} 332 Ben #Chan1 :release Friday`);
    assert.match(joined[2]!, new RegExp(`^${S} 333 Ben #Chan1 Ann!~ann@banter \\d+$`));
    assert.deepEqual(joined.slice(3), [`${S} 353 Ben = #Chan1 :@Ann Ben`, `${S} 366 Ben #Chan1 :End of /NAMES list`]);
    await a.waitLine(/^:Ben!~ben@banter JOIN #Chan1$/);
    assert.deepEqual(await b.command('NAMES #CHAN1'), [`${S} 353 Ben = #Chan1 :@Ann Ben`, `${S} 366 Ben #Chan1 :End of /NAMES list`]);
    assert.deepEqual(await b.command('NAMES #nowhere'), [`${S} 366 Ben #nowhere :End of /NAMES list`]);
    const mode = await b.command('MODE #chan1');
    assert.equal(mode[0], `${S} 324 Ben #Chan1 +n`);
    assert.match(mode[1]!, new RegExp(`^${S} 329 Ben #Chan1 \\d+$`));
    assert.deepEqual(await b.command('MODE #chan1 b'), [`${S} 368 Ben #Chan1 :End of channel ban list`]);
    assert.deepEqual(await b.command('MODE #chan1 +m'), [`${S} 482 Ben #Chan1 :You're not channel operator`]);
    assert.deepEqual(await a.command('MODE #chan1 +m'), [`${S} 472 Ann m :is unknown mode char to me`]);
    assert.deepEqual(await b.command('LIST #chan1'), [`${S} 321 Ben Channel :Users  Name`, `${S} 322 Ben #Chan1 2 :release Friday`, `${S} 323 Ben :End of /LIST`]);
    assert.deepEqual(await b.command('WHO #chan1'), [
      `${S} 352 Ben #Chan1 ~ann banter ${SERVER} Ann H@ :0 Real Ann`,
      `${S} 352 Ben #Chan1 ~ben banter ${SERVER} Ben H :0 Real Ben`,
      `${S} 315 Ben #chan1 :End of WHO list`,
    ]);
    assert.deepEqual(await b.command('WHO ann'), [`${S} 352 Ben * ~ann banter ${SERVER} Ann H :0 Real Ann`, `${S} 315 Ben ann :End of WHO list`]);
    assert.deepEqual((await b.command('WHOIS ann')).filter((l) => !l.includes(' 317 ')), [
      `${S} 311 Ben Ann ~ann banter * :Real Ann`,
      `${S} 319 Ben Ann :@#Chan1`,
      `${S} 312 Ben Ann ${SERVER} :Banter`,
      `${S} 318 Ben Ann :End of /WHOIS list`,
    ]);
    assert.deepEqual(await b.command('PART #chan1 :see you'), [':Ben!~ben@banter PART #Chan1 :see you']);
    await a.waitLine(/^:Ben!~ben@banter PART #Chan1 :see you$/);
    assert.deepEqual(await a.command('PART #chan1'), [':Ann!~ann@banter PART #Chan1']);
    assert.deepEqual(await a.command('TOPIC #chan1'), [`${S} 403 Ann #chan1 :No such channel`], 'an empty room disappears');
    a.close(); b.close();
  });

  it('KICK by the channel operator; others get 482, absent users 441', async () => {
    const op = await IrcClient.register(app, 'Op');
    const v = await IrcClient.register(app, 'Victim');
    await op.command('JOIN #kicks');
    await v.command('JOIN #kicks');
    assert.deepEqual(await v.command('KICK #kicks Op :nope'), [`${S} 482 Victim #kicks :You're not channel operator`]);
    assert.deepEqual(await op.command('KICK #kicks Nobody'), [`${S} 441 Op Nobody #kicks :They aren't on that channel`]);
    assert.deepEqual(await op.command('KICK #kicks victim :out'), [':Op!~op@banter KICK #kicks Victim :out']);
    await v.waitLine(/^:Op!~op@banter KICK #kicks Victim :out$/);
    assert.deepEqual(await v.command('PRIVMSG #kicks :let me in'), [`${S} 404 Victim #kicks :Cannot send to channel`]);
    assert.deepEqual(await op.command('KICK #kicks'), [`${S} 461 Op KICK :Not enough parameters`]);
    op.close(); v.close();
  });

  it('MODE +o/-o: operators promote members, who can then kick; web users see it', async () => {
    const a = await IrcClient.register(app, 'Boss');
    const b = await IrcClient.register(app, 'Deputy');
    const c = await IrcClient.register(app, 'Member');
    const web = await TestClient.login(app, 'WebSeesOps');
    for (const x of [a, b, c]) await x.command('JOIN #ops2');
    await web.request('join', { room: '#ops2' });
    assert.deepEqual(await b.command('MODE #ops2 +o Member'), [`${S} 482 Deputy #ops2 :You're not channel operator`]);
    assert.deepEqual(await a.command('MODE #ops2 +o deputy'), [':Boss!~boss@banter MODE #ops2 +o Deputy']);
    await c.waitLine(/^:Boss!~boss@banter MODE #ops2 \+o Deputy$/);
    assert.deepEqual(await web.waitFor((e) => e.type === 'room_operator'), { type: 'room_operator', room: '#ops2', name: 'Deputy', by: 'Boss', op: true });
    const members = await web.request('members', { room: '#ops2' });
    assert.deepEqual(members.members.filter((m) => m.op).map((m) => m.name), ['Boss', 'Deputy']);
    assert.deepEqual(await c.command('NAMES #ops2'), [`${S} 353 Member = #ops2 :@Boss @Deputy Member WebSeesOps`, `${S} 366 Member #ops2 :End of /NAMES list`]);
    assert.deepEqual(await b.command('KICK #ops2 Member'), [':Deputy!~deputy@banter KICK #ops2 Member :Deputy']);
    assert.deepEqual(await a.command('MODE #ops2 +o Nobody'), [`${S} 441 Boss Nobody #ops2 :They aren't on that channel`]);
    assert.deepEqual(await a.command('MODE #ops2 +o'), [`${S} 461 Boss MODE :Not enough parameters`]);
    assert.deepEqual(await b.command('MODE #ops2 -o Boss'), [], 'the creator stays an operator');
    assert.deepEqual(await a.command('MODE #ops2 -o Deputy'), [':Boss!~boss@banter MODE #ops2 -o Deputy']);
    a.close(); b.close(); c.close(); web.close();
  });

  it('INVITE tells the invited user, on either transport', async () => {
    const a = await IrcClient.register(app, 'Host');
    const b = await IrcClient.register(app, 'Guest');
    const web = await TestClient.login(app, 'WebGuest');
    await a.command('JOIN #party');
    assert.deepEqual(await a.command('INVITE guest #party'), [`${S} 341 Host Guest #party`]);
    assert.equal(await b.waitLine(/ INVITE /), ':Host!~host@banter INVITE Guest #party');
    await a.command('INVITE WebGuest #party');
    assert.deepEqual(await web.waitFor((e) => e.type === 'room_invited'), { type: 'room_invited', room: '#party', name: 'WebGuest', by: 'Host' });
    await web.request('join', { room: '#party' });
    await web.request('invite', { room: '#party', name: 'Guest' });
    assert.equal(await b.waitLine(/^:WebGuest\S* INVITE /), ':WebGuest!~WebGuest@banter INVITE Guest #party');
    assert.deepEqual(await a.command('INVITE WebGuest #party'), [`${S} 443 Host WebGuest #party :is already on channel`]);
    assert.deepEqual(await b.command('INVITE Host #party'), [`${S} 442 Guest #party :You're not on that channel`]);
    assert.deepEqual(await a.command('INVITE nobody #party'), [`${S} 401 Host nobody :No such nick/channel`]);
    assert.deepEqual(await a.command('INVITE Guest #nothing'), [`${S} 403 Host #nothing :No such channel`]);
    a.close(); b.close(); web.close();
  });

  it('JOIN 0 leaves every channel', async () => {
    const c = await IrcClient.register(app, 'Zero');
    await c.command('JOIN #z1,#z2');
    assert.deepEqual(await c.command('JOIN 0'), [':Zero!~zero@banter PART #z1', ':Zero!~zero@banter PART #z2']);
    c.close();
  });
});

describe('messages, nick, away', () => {
  it('PRIVMSG and NOTICE to channels and nicks; away replies 301', async () => {
    const a = await IrcClient.register(app, 'Msa');
    const b = await IrcClient.register(app, 'Msb');
    await a.command('JOIN #talk');
    await b.command('JOIN #talk');
    a.skip();
    assert.deepEqual(await b.command('PRIVMSG #talk :hello all'), [], 'no echo without echo-message');
    assert.equal(await a.waitLine(/^:Msb\S* PRIVMSG #talk/), ':Msb!~msb@banter PRIVMSG #talk :hello all');
    await b.command('NOTICE msa :psst');
    assert.equal(await a.waitLine(/^:Msb\S* NOTICE/), ':Msb!~msb@banter NOTICE Msa :psst');
    await b.command('PRIVMSG msa :\x01ACTION waves\x01');
    assert.equal(await a.waitLine(/^:Msb\S* PRIVMSG Msa :.ACTION/), ':Msb!~msb@banter PRIVMSG Msa :\x01ACTION waves\x01');
    await b.command('PRIVMSG msa :\x02bold\x02 \x0304red\x03 plain');
    assert.equal(await a.waitLine(/^:Msb\S* PRIVMSG Msa :.*plain/), ':Msb!~msb@banter PRIVMSG Msa :bold red plain');
    assert.deepEqual(await a.command('AWAY :lunch'), [`${S} 306 Msa :You have been marked as being away`]);
    assert.deepEqual(await b.command('PRIVMSG msa :are you there'), [`${S} 301 Msb Msa :lunch`]);
    assert.deepEqual(await b.command('WHO msa'), [`${S} 352 Msb * ~msa banter ${SERVER} Msa G :0 Real Msa`, `${S} 315 Msb msa :End of WHO list`]);
    assert.deepEqual(await a.command('AWAY'), [`${S} 305 Msa :You are no longer marked as being away`]);
    a.close(); b.close();
  });

  it('NICK renames and tells the user and channel members', async () => {
    const a = await IrcClient.register(app, 'Oldname');
    const b = await IrcClient.register(app, 'Watcher');
    await a.command('JOIN #rename');
    await b.command('JOIN #rename');
    assert.deepEqual(await a.command('NICK Newname'), [':Oldname!~oldname@banter NICK :Newname']);
    await b.waitLine(/^:Oldname!~oldname@banter NICK :Newname$/);
    assert.deepEqual(await a.command('NICK newNAME'), [':Newname!~oldname@banter NICK :newNAME'], 'case-only change');
    assert.deepEqual(await a.command('NICK Watcher'), [`${S} 433 newNAME Watcher :Nickname is already in use`]);
    assert.deepEqual(await a.command('NICK -bad'), [`${S} 432 newNAME -bad :Erroneous nickname: name must not start with a digit or "-"`]);
    assert.deepEqual(await a.command('NICK watcher'), [`${S} 433 newNAME watcher :Nickname is already in use`]);
    assert.deepEqual(await a.command('NICK VVatcher'), [`${S} 433 newNAME VVatcher :Nickname is already in use`], 'a lookalike of another user');
    assert.deepEqual(await a.command('NICK newNAMEl'), [':newNAME!~oldname@banter NICK :newNAMEl']);
    assert.deepEqual(await a.command('NICK newNAMEI'), [':newNAMEl!~oldname@banter NICK :newNAMEI'], 'a lookalike of oneself is fine');
    assert.deepEqual(await b.command('NAMES #rename'), [`${S} 353 Watcher = #rename :@newNAMEI Watcher`, `${S} 366 Watcher #rename :End of /NAMES list`], 'operator status follows the rename');
    assert.deepEqual(await b.command('WHOIS oldname'), [`${S} 401 Watcher oldname :No such nick/channel`, `${S} 318 Watcher oldname :End of /WHOIS list`]);
    a.close(); b.close();
  });

  it('the Calc service answers with a NOTICE to the requester only', async () => {
    const a = await IrcClient.register(app, 'Asker');
    assert.deepEqual(await a.command('PRIVMSG Calc :2^100'), [':Calc!calc@services NOTICE Asker :2^100 = 1267650600228229401496703205376']);
    const err = await a.command('PRIVMSG calc :1/');
    assert.equal(err.length, 1);
    assert.match(err[0]!, /^:Calc!calc@services NOTICE Asker :error: could not parse the expression/, 'errors come back as notices');
    assert.deepEqual(await a.command('NOTICE Calc :2+2'), [], 'notices are never answered');
    a.close();
  });
});

describe('WHOWAS, LUSERS, away-notify on join', () => {
  it('remembers nicks that quit or changed', async () => {
    const a = await IrcClient.register(app, 'Gone');
    const b = await IrcClient.register(app, 'Asks', ['away-notify']);
    a.send('QUIT :bye');
    await a.waitClosed();
    await b.command('PING x');
    const lines = await b.command('WHOWAS gone');
    assert.equal(lines[0], `${S} 314 Asks Gone ~gone banter * :Real Gone`);
    assert.match(lines[1]!, new RegExp(`^${S} 312 Asks Gone ${SERVER} :\\w{3}, `));
    assert.equal(lines[2], `${S} 369 Asks gone :End of WHOWAS`);
    assert.deepEqual(await b.command('WHOWAS neverseen'), [`${S} 406 Asks neverseen :There was no such nickname`, `${S} 369 Asks neverseen :End of WHOWAS`]);
    b.close();
  });

  it('counts unregistered connections in LUSERS and announces away joiners', async () => {
    const pending = await IrcClient.connect(app.ircPort!);
    const c = await IrcClient.register(app, 'Counter', ['away-notify']);
    const lusers = await c.command('LUSERS');
    assert.ok(lusers.some((l) => /^:\S+ 253 Counter [1-9]\d* :unknown connection\(s\)$/.test(l)), lusers.join('\n'));
    const away = await IrcClient.register(app, 'AwayJoiner');
    await away.command('AWAY :later');
    await c.command('JOIN #awayjoin');
    c.skip();
    await away.command('JOIN #awayjoin');
    await c.waitLine(/^:AwayJoiner\S* AWAY /);
    assert.deepEqual(c.rest(), [':AwayJoiner!~awayjoin@banter JOIN #awayjoin', ':AwayJoiner!~awayjoin@banter AWAY :later']);
    pending.close(); c.close(); away.close();
  });
});

describe('long replies', () => {
  it('split WHOIS channel lists over lines of at most 512 bytes, never cutting a name', async () => {
    const c = await IrcClient.register(app, 'Roamer');
    const rooms = Array.from({ length: 30 }, (_, i) => `#room-with-a-rather-long-name-number-${String(i).padStart(2, '0')}`);
    for (let i = 0; i < rooms.length; i += 4) await c.command(`JOIN ${rooms.slice(i, i + 4).join(',')}`);
    const lines = (await c.command('WHOIS Roamer')).filter((l) => l.includes(' 319 '));
    assert.ok(lines.length > 1);
    for (const l of lines) assert.ok(Buffer.byteLength(`${l}\r\n`) <= 512);
    const listed = lines.flatMap((l) => l.slice(l.indexOf(' :') + 2).split(' ')).map((n) => n.replace(/^@/, ''));
    assert.deepEqual(listed.sort(), [...rooms].sort());
    assert.deepEqual(await c.command('ISON nobody roamer'), [`${S} 303 Roamer :Roamer`]);
    assert.deepEqual(await c.command('USERHOST roamer nobody'), [`${S} 302 Roamer :Roamer=+~roamer@banter`]);
    c.close();
  });
});

describe('error numerics', () => {
  it('each error has its numeric', async () => {
    const c = await IrcClient.register(app, 'Err');
    await c.command('JOIN #errs');
    const cases: [string, string][] = [
      ['PRIVMSG nobody :hi', `${S} 401 Err nobody :No such nick/channel`],
      ['PRIVMSG #nochan :hi', `${S} 403 Err #nochan :No such channel`],
      ['JOIN bad', `${S} 403 Err bad :No such channel`],
      ['JOIN #bad!name', `${S} 403 Err #bad!name :No such channel`],
      ['PRIVMSG', `${S} 411 Err :No recipient given (PRIVMSG)`],
      ['PRIVMSG #errs', `${S} 412 Err :No text to send`],
      ['PRIVMSG #errs :   ', `${S} 412 Err :No text to send`],
      ['NOSUCHVERB x', `${S} 421 Err NOSUCHVERB :Unknown command`],
      ['NICK', `${S} 431 Err :No nickname given`],
      ['WHOIS', `${S} 431 Err :No nickname given`],
      ['NICK a!b', `${S} 432 Err a!b :Erroneous nickname: name may only contain letters A-Z, digits and - _ [ ] \\ ^ { } |`],
      ['PART #lobby', `${S} 442 Err #lobby :You're not on that channel`],
      ['TOPIC #lobby :x', `${S} 442 Err #lobby :You're not on that channel`],
      ['PART #nope', `${S} 403 Err #nope :No such channel`],
      ['JOIN', `${S} 461 Err JOIN :Not enough parameters`],
      ['USER a b c', `${S} 461 Err USER :Not enough parameters`],
      ['PASS secret', `${S} 462 Err :You may not reregister`],
      ['MODE Err +x', `${S} 501 Err :Unknown MODE flag`],
      ['MODE Ann', `${S} 401 Err Ann :No such nick/channel`],
    ];
    for (const [line, expected] of cases) assert.deepEqual(await c.command(line), [expected], line);
    const other = await IrcClient.register(app, 'Other');
    assert.deepEqual(await c.command('MODE Other'), [`${S} 502 Err :Can't view modes for other users`]);
    assert.deepEqual(await c.command('MODE Err'), [`${S} 221 Err +`]);
    assert.deepEqual(await c.command('MODE Err +i'), [':Err!~err@banter MODE Err :+i']);
    other.close();
    c.close();
  });

  it('a client over the channel limit gets 405', async () => {
    const small = await startTestServer({ 'rooms.maxPerUser': 1, 'irc.autoJoinLobby': false });
    try {
      const c = await IrcClient.register(small, 'Many');
      await c.command('JOIN #one');
      assert.deepEqual(await c.command('JOIN #two'), [`${S} 405 Many #two :You have joined too many channels`]);
      c.close();
    } finally {
      await small.close();
    }
  });
});
