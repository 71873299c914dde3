/**
 * The `Calc` service user: `PRIVMSG Calc :2^100` runs the core's calc request (the same
 * worker pool as the web client's) and answers with a NOTICE from Calc to the requester
 * only. Nothing is stored or shown to anyone else.
 */
import { ChatError } from '../../../core/errors.ts';
import type { IrcConnection } from '../connection.ts';
import { splitText } from '../message.ts';

export const CALC_NICK = 'Calc';
export const CALC_MASK = 'Calc!calc@services';

export async function calcService(c: IrcConnection, expr: string): Promise<void> {
  let text: string;
  try {
    const r = await c.execute('calc', { expr });
    text = `${r.expr} = ${r.result}`;
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    text = `error: ${err.message}`;
  }
  const overhead = Buffer.byteLength(`:${CALC_MASK} NOTICE ${c.me} :\r\n`);
  for (const line of splitText(text, overhead)) c.sendLine({ source: CALC_MASK, command: 'NOTICE', params: [c.me, line], trailing: true });
}
