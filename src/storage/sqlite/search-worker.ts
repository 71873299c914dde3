/**
 * Search worker: runs searches on its own read-only connection to banter.db, off the event
 * loop (node:sqlite is synchronous). WAL lets it read while the main connection writes; each
 * search starts a new read transaction, so it sees every message committed before it was
 * asked. See store.ts for the pool and its deadline.
 */
import { DatabaseSync } from 'node:sqlite';
import { workerData } from 'node:worker_threads';
import type { SearchQuery } from '../../core/ports.ts';
import { serveJobs } from '../../core/services/worker-pool.ts';
import { searchStatement } from './search-sql.ts';

const { path } = workerData as { path: string };
const db = new DatabaseSync(path, { readOnly: true, timeout: 5000 });

serveJobs<SearchQuery, unknown[]>((q) => {
  const st = searchStatement(q);
  return st ? db.prepare(st.sql).all(...st.params) : [];
});
