/**
 * The SQL of one search, shared by the in-process path and the search worker.
 *
 * The full-text match itself is restricted to the searcher's conversations: `messages_fts`
 * has a `scope` column with a token per conversation, sender and DM participant (migration
 * 2), so `text : "deploy" AND (scope : "c…" OR scope : "u…")` makes FTS5 intersect the word's
 * posting list with the conversations' ones instead of matching the whole table and
 * filtering afterwards. FTS5 also returns rowids newest first (`ORDER BY f.rowid DESC`), so
 * the query stops after `limit` hits.
 *
 * The WHERE clause then checks the exact visibility rules on `messages` again (the index
 * narrows, the table decides): to add a filter, add a clause to `scope` or `filters` there.
 */
import type { SearchQuery } from '../../core/ports.ts';

/** Conversations named in the match at most; a searcher in more is filtered by the WHERE clause only. */
const MAX_SCOPE_TOKENS = 200;

export const SEARCH_COLS = 'm.id AS id, m.seq AS seq, m.to_name AS to_name, m.from_name AS from_name, m.text AS text, m.ts AS ts, m.files AS files, m.kind AS kind, m.reply_to AS reply_to, m.thread AS thread, m.mentions AS mentions, m.edited_at AS edited_at, m.deleted AS deleted, m.replies AS replies, m.reaction_summary AS reaction_summary';

/** A scope token: kind letter + hex of the UTF-8 key (as `'c' || hex(conv)` in the trigger, folded to lower case). */
function scopeToken(kind: 'c' | 'f' | 'u', key: string): string {
  return `scope : "${kind}${Buffer.from(key, 'utf8').toString('hex')}"`;
}

/** A query word as an FTS5 string literal in the text column (so no word is read as FTS syntax); `*` keeps prefix matching. */
function ftsWord(w: string): string {
  const prefix = w.endsWith('*');
  const body = (prefix ? w.slice(0, -1) : w).replace(/"/g, '""');
  return `text : "${body}"${prefix ? ' *' : ''}`;
}

export interface SearchStatement {
  sql: string;
  params: (string | number)[];
}

/** The statement for a query, or undefined when nothing can match (no word, no conversation). */
export function searchStatement(q: SearchQuery): SearchStatement | undefined {
  if (q.words.length === 0) return undefined;
  const scope: string[] = [];
  const scopeParams: string[] = [];
  const tokens: string[] = [];
  if (q.convs.length > 0) {
    scope.push(`m.conv IN (${q.convs.map(() => '?').join(', ')})`);
    scopeParams.push(...q.convs);
    tokens.push(...q.convs.map((c) => scopeToken('c', c)));
  }
  if (q.dmsOf !== undefined) {
    scope.push('m.conv IN (SELECT conv FROM dm_members WHERE user = ?)');
    scopeParams.push(q.dmsOf);
    tokens.push(scopeToken('u', q.dmsOf));
  }
  if (scope.length === 0) return undefined;
  const match = [q.words.map(ftsWord).join(' AND ')];
  if (tokens.length <= MAX_SCOPE_TOKENS) match.push(`(${tokens.join(' OR ')})`);
  const filters: string[] = [];
  const filterParams: (string | number)[] = [];
  if (q.dmsSince !== undefined) {
    // DM keys start with '@' (conv.ts); rooms with '#'.
    filters.push("(substr(m.conv, 1, 1) <> '@' OR m.ts >= ?)");
    filterParams.push(q.dmsSince);
  }
  if (q.from !== undefined) {
    match.push(scopeToken('f', q.from));
    filters.push('m.from_folded = ?');
    filterParams.push(q.from);
  }
  const sql = `SELECT ${SEARCH_COLS} FROM messages_fts f JOIN messages m ON m.rid = f.rowid
               WHERE messages_fts MATCH ? AND (${scope.join(' OR ')})${filters.map((c) => ` AND ${c}`).join('')}
               ORDER BY f.rowid DESC LIMIT ?`;
  return { sql, params: [match.join(' AND '), ...scopeParams, ...filterParams, q.limit] };
}
