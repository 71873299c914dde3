/**
 * Configuration: every key with its type, default, environment variable and documentation, in
 * one table. Parsed once at startup (flags > environment > config file > defaults), validated with zod,
 * frozen, and handed to the rest of the server as a typed object. docs/config.md lists the
 * same keys (test/config-doc.test.ts keeps it in sync).
 */
import * as z from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const MiB = 1024 * 1024;

interface KeyDef<S extends z.ZodType> {
  schema: S;
  default: z.infer<S>;
  doc: string;
  /** Command-line flag (without --), for keys that have one. */
  flag?: string;
  secret?: boolean;
}

function key<S extends z.ZodType>(def: KeyDef<S>): KeyDef<S> {
  return def;
}

/** A secret: empty (feature off) or long enough not to be guessed. */
const token = () => z.string().max(1024).refine((s) => s === '' || s.length >= 16, 'must be empty (disabled) or at least 16 characters');

export const CONFIG_KEYS = {
  host: key({ schema: z.string().min(1), default: '0.0.0.0', flag: 'host', doc: 'Address the HTTP/WebSocket listener binds to.' }),
  port: key({ schema: int(0, 65535), default: 8080, flag: 'port', doc: 'HTTP/WebSocket port (0 picks a free port).' }),
  listenBacklog: key({ schema: int(1, 65535), default: 4096, doc: 'Accept queue of the HTTP/WebSocket and IRC listeners: connections the kernel holds while the server is busy. Capped by the kernel (`net.core.somaxconn`, 4096 on current Linux). Node\'s own default, 511, let a burst of 1,000 connections per second overflow it: the kernel dropped the SYNs and clients waited 1–7 s for their retransmission.' }),
  dataDir: key({ schema: z.string().min(1), default: './data', flag: 'data-dir', doc: 'Directory for persistent data.' }),
  logLevel: key({ schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), default: 'info', flag: 'log-level', doc: 'Minimum log level.' }),
  logBufferBytes: key({ schema: int(4096, 1 << 30), default: 16 * 1024 * 1024, doc: 'Most bytes of JSON log lines waiting for stdout. Lines are written asynchronously, so a log reader that stalls (a full pipe) never blocks the server; past this bound new lines are dropped and counted until the buffer has drained, and then a warning with the count is written.' }),
  logFormat: key({ schema: z.enum(['auto', 'json', 'pretty']), default: 'auto', flag: 'log-format', doc: '`json` lines, `pretty` human-readable, or `auto` (pretty when stdout is a TTY).' }),
  'ws.path': key({ schema: z.string().startsWith('/'), default: '/ws', doc: 'WebSocket endpoint path.' }),
  'ws.maxPayload': key({ schema: int(1024, 16 * MiB), default: 64 * 1024, doc: 'Largest inbound WebSocket message in bytes; larger ones close the connection with 1009.' }),
  'ws.sendQueueBytes': key({ schema: int(16 * 1024, 256 * MiB), default: MiB, doc: 'Outbound bytes queued for one WebSocket client before it is disconnected with 4001 "SendQ exceeded".' }),
  'delivery.coalesceMs': key({ schema: int(0, 50), default: 2, doc: 'Least time between two rounds of socket writes (IRC and WebSocket). A round after a quiet spell still goes out on the next event-loop turn; under a steady stream of messages, those of the last `delivery.coalesceMs` share one write per socket instead of one write each. 0: a round every turn. It adds at most this much to a delivery\'s latency, plus, under load, the wait after a long round (`delivery.sliceMs`).' }),
  'delivery.sliceMs': key({ schema: int(0, 1000), default: 2, doc: 'Most time one round of socket writes runs before it yields to the event loop (reads, timers, replies) and goes on with the sockets it has not reached on the next turn, while the loop has little else to do (the clock is read every 16 sockets, so a slice may overrun by up to 15 writes). Bounds the longest turn a large fan-out makes: at 10 channels × 100 IRC clients, 2 ms gave an event-loop lag p99 of 5–8 ms up to 1.26 M deliveries/s against 12–29 ms with 20, and no worse delivery latency (docs/benchmarks.md, "Session 12"). When the other work between two slices takes longer (overload), the next slice may grow to keep writing its share of the loop (`delivery.writeSharePct`), up to `delivery.sliceMaxMs`. 0 yields after every socket, and never grows. Each round also waits after the previous one in proportion to the time that one spent writing (adaptive coalescing, `delivery.writeSharePct`: by default as long again, so writing takes at most about half of the loop).' }),
  'delivery.sliceMaxMs': key({ schema: int(0, 1000), default: 20, doc: 'The longest a slice of a round of socket writes may grow to (see `delivery.sliceMs`) when the rest of the loop\'s work between two slices takes longer than `delivery.sliceMs`: the slice may then take as long as that work times p / (100 − p), p = `delivery.writeSharePct`, so that under overload writing keeps its share of the loop instead of being starved by reads and commands (with 2 ms slices and no growth, 500 IRC clients at 12,800 messages/s made 4–5 k writes/s and queued 470 MB). Values below `delivery.sliceMs` count as `delivery.sliceMs`.' }),
  'delivery.directWrites': key({ schema: z.stringbool().or(z.boolean()), default: true, doc: 'Plain TCP sockets (IRC and WebSocket without TLS) with nothing unsent are written with one `write(2)` on their descriptor instead of through Node\'s socket stream, which libuv still takes for what the kernel does not accept at once (backpressure, SendQ and order are unchanged). It saves the stream machinery\'s garbage and CPU per write on the fan-out (docs/benchmarks.md, "Writes to the descriptor"). It reads the descriptor from Node\'s socket handle (`_handle.fd`, not a documented API; without one the stream is used); `false` always uses the stream. TLS sockets always use the stream.' }),
  'delivery.writeSharePct': key({ schema: int(10, 100), default: 50, doc: 'Adaptive coalescing: the most of the event loop\'s time that rounds of socket writes may take under load, in percent. After a round that spent T writing, the next one starts no sooner than T × (100 − p) / p later (50: as long again), so reads and commands keep the rest, and the more messages wait meanwhile, the more each write carries. 100: a round as soon as the loop has run once, so each write carries fewer messages: at 10 channels × 100 IRC clients it sustained 0.63× the deliveries of 50, with a worse p99 (docs/benchmarks.md, sitting of 2026-12-02).' }),
  'ws.readQueueBytes': key({ schema: int(16 * 1024, 256 * MiB), default: 256 * 1024, doc: 'Received bytes of one WebSocket client\'s frames waiting to be run (in flight included). Frames waiting for the server (commits in flight, a slow command) pause reading past half of it and resume under a quarter, so TCP holds the client back and nothing is dropped; at most 256 requests of one connection are in flight at once. A client whose frames keep arriving after the pause past all of it (plus one socket read and one `ws.maxPayload`) is closed with 4006 "ReadQ exceeded".' }),
  'ws.pingIntervalMs': key({ schema: int(100, 3_600_000), default: 30_000, doc: 'Ping period; a client that has not answered the previous ping is closed with 4003 (not while the server has paused reading it: see ws.readQueueBytes).' }),
  'ws.loginTimeoutMs': key({ schema: int(100, 3_600_000), default: 30_000, doc: 'Time a connection may stay without a name before it is closed with 4004.' }),
  'calc.workers': key({ schema: int(1, 64), default: 2, doc: 'Most calculator worker threads at once. They start on demand (none while nobody calculates; the first calculation after a quiet spell waits for one to start) and stop after `calc.idleMs` without work.' }),
  'calc.warmWorkers': key({ schema: int(0, 64), default: 0, doc: 'Calculator worker threads started at boot and kept while idle (at most `calc.workers`). 0 saves their memory; the first calculation after `calc.idleMs` of quiet then waits for a worker to start (about half a second on an idle machine, seconds on a busy one).' }),
  'calc.idleMs': key({ schema: int(100, 86_400_000), default: 60_000, doc: 'Idle time after which a calculator worker thread is stopped, giving its memory (tens of MiB each) back.' }),
  'calc.timeoutMs': key({ schema: int(10, 60_000), default: 1000, doc: 'Wall-clock limit per calculation; the worker is killed and replaced when it is exceeded.' }),
  'calc.maxHeapMb': key({ schema: int(64, 4096), default: 64, doc: 'V8 heap limit per calculator worker in MiB (mathjs itself needs about 40).' }),
  'calc.maxQueue': key({ schema: int(1, 100_000), default: 64, doc: 'Calculations waiting for a worker before new ones are refused with CALC_BUSY.' }),
  'rooms.maxPerUser': key({ schema: int(1, 10_000), default: 50, doc: 'Rooms one user can be in, #lobby included.' }),
  'rooms.maxListEntries': key({ schema: int(1, 10_000), default: 100, doc: 'Entries in one room\'s ban, ban-exception, invite-exception or mute list (IRC MAXLIST), and pending invitations per room; the server ban list holds ten times as many.' }),
  admins: key({ schema: z.string().max(10_000), default: '', doc: 'Comma-separated account names of the server administrators: they moderate every room, disconnect users, send server notices, ban accounts and address ranges server-wide and read the audit log (docs/security.md, "Moderation"). A name must be a registered account to count. More can be granted at run time with `banter admin grant` (stored, every node; docs/operations.md).' }),
  'irc.operPassword': key({ schema: token(), default: '', secret: true, doc: 'Password of IRC `OPER <account> <password>`: an admin (see `admins`) logged in to that account gains the IRC operator flag (KILL, WALLOPS, `*` in WHO, 313 in WHOIS). Empty disables OPER. At least 16 characters.' }),
  'rooms.announceMax': key({ schema: int(1, 100_000), default: 100, doc: 'Rooms with more members than this are large (docs/protocol.md, "Large rooms"): WebSocket clients get a `room_members` summary per `rooms.summaryMs` instead of each join and leave, and member lists come in pages of this size; logins, logouts, away and renames reach everyone only while at most this many users are online, beyond that those who share a room with the user. IRC clients still see every JOIN, PART and QUIT of their channels and complete NAMES.' }),
  'rooms.replyMembers': key({ schema: int(1, 100_000), default: 50, doc: 'Members a `login` or `join` reply lists of a large room (more than `rooms.announceMax` members), with `count` and a `next` cursor for the rest (docs/protocol.md, "Large rooms"): enough for a first view of the member list, which pages on with `members` (pages of `rooms.announceMax`). At most `rooms.announceMax`; a small room\'s list is always complete. IRC NAMES is complete whatever this says.' }),
  'rooms.summaryMs': key({ schema: int(50, 60_000), default: 1000, doc: 'How often, at most, the members of a large room get a `room_members` summary of who joined and left; rooms of more than 1,000 members get it every `rooms.summaryMs` × ⌈members / 1,000⌉ (at most 1,000 summary deliveries per room per period on a node).' }),
  'rooms.max': key({ schema: int(1, 1_000_000), default: 10_000, doc: 'Rooms that can exist at once.' }),
  'history.memoryMaxPerConversation': key({ schema: int(1, 10_000_000), default: 10_000, doc: 'Messages the in-memory store keeps per conversation.' }),
  store: key({ schema: z.enum(['sqlite', 'memory', 'postgres']), default: 'sqlite', flag: 'store', doc: '`sqlite`: messages and accounts in `<dataDir>/banter.db`; `memory`: nothing survives a restart (tests, demos); `postgres`: in the PostgreSQL database at `postgresUrl` (cluster mode, docs/cluster.md).' }),
  postgresUrl: key({ schema: z.string().max(4096).refine((s) => s === '' || /^postgres(ql)?:\/\//.test(s), 'must be a postgres:// or postgresql:// URL'), default: '', flag: 'postgres-url', secret: true, doc: 'PostgreSQL connection URL (`postgres://user:password@host:5432/db`), required with `store = "postgres"`.' }),
  'postgres.poolMax': key({ schema: int(2, 1000), default: 10, doc: 'Most PostgreSQL connections one node opens (one of them is the message writer).' }),
  'postgres.timeoutMs': key({ schema: int(100, 600_000), default: 5000, doc: 'Bound on connecting to PostgreSQL and on one statement; an append that exceeds it is refused with STORE_UNAVAILABLE.' }),
  bus: key({ schema: z.enum(['local', 'redis']), default: 'local', flag: 'bus', doc: '`local`: a single node; `redis`: several nodes share fan-out and presence through Redis at `redisUrl` (docs/cluster.md).' }),
  redisUrl: key({ schema: z.string().max(4096).refine((s) => s === '' || /^rediss?:\/\//.test(s), 'must be a redis:// or rediss:// URL'), default: '', flag: 'redis-url', secret: true, doc: 'Redis connection URL (`redis://:password@host:6379/0`), required with `bus = "redis"`.' }),
  nodeId: key({ schema: z.string().regex(/^[A-Za-z0-9._-]{0,64}$/, 'letters, digits, dot, dash and underscore, at most 64'), default: '', flag: 'node-id', doc: 'This node\'s id in the cluster; empty generates a random one at each start.' }),
  'cluster.heartbeatMs': key({ schema: int(100, 600_000), default: 2000, doc: 'How often a node renews its liveness lease in Redis and checks the other nodes\' leases.' }),
  'cluster.reorderMs': key({ schema: int(1, 60_000), default: 250, doc: 'Cluster mode: how long a node holds a message that arrived ahead of a lower seq of the same conversation before it reads the missing ones from PostgreSQL, so every client sees a conversation in seq order.' }),
  'cluster.leaseTtlMs': key({ schema: int(300, 3_600_000), default: 6000, doc: 'Lifetime of a node\'s liveness lease: a node that stops renewing it (killed, cut off) is declared gone, its users leave and their names free up, within leaseTtlMs + heartbeatMs.' }),
  'sqlite.synchronous': key({ schema: z.enum(['full', 'normal']), default: 'full', doc: 'SQLite durability: `full` fsyncs every commit (an acknowledged message survives power loss); `normal` survives a crash of the process but not of the machine. See docs/storage.md.' }),
  'sqlite.resumeSliceMs': key({ schema: int(0, 1000), default: 0, doc: 'When above 0, the answers of one SQLite group commit (each a message\'s fan-out) are resumed over several event-loop turns, each slice about this much CPU time, at most 64 answers: shorter turns under overload, but later acknowledgements (pipelined IRC senders can then overflow their read queue). 0: all at once.' }),
  'sqlite.workerIdleMs': key({ schema: int(0, 86_400_000), default: 600_000, doc: 'The worker thread that runs the SQLite message store starts on the first store call (a message, a history page, a search) and stops after this long without one, giving its memory back (a worker thread is about 17 MB); a call that finds none running waits for one to start: 68–86 ms on an idle machine, and under load the messages behind it wait too (docs/benchmarks.md, "A cold store worker"). Ten minutes by default, so that the pauses of ordinary conversation do not stop it (it was 60 s). 0: started with the server and kept. Nothing is lost by a stop: it happens only when every call has been answered, and the store\'s state is in the database.' }),
  'sqlite.workerHeapMb': key({ schema: int(32, 16_384), default: 256, doc: 'V8 heap limit (old generation, MiB) of the worker thread that runs the SQLite message store; its young generation is 8 MiB. It holds the idempotency window and the batches in flight (the database pages are SQLite\'s, outside this heap); past the limit the worker stops and the store fails like a crashed one (/readyz reports it) until the server restarts.' }),
  'search.workers': key({ schema: int(1, 16), default: 1, doc: 'Worker threads that run SQLite searches off the event loop, each on its own read-only connection.' }),
  'search.timeoutMs': key({ schema: int(1, 60_000), default: 1000, doc: 'Wall-clock limit per search; a slower one is answered SEARCH_TIMEOUT and its worker replaced.' }),
  'search.idleMs': key({ schema: int(100, 86_400_000), default: 60_000, doc: 'Search worker threads start on the first search (which waits for one to start) and stop after this long without a search, giving their memory (about 25 MiB each) back.' }),
  'search.maxHeapMb': key({ schema: int(16, 4096), default: 64, doc: 'V8 heap limit (old generation, MiB) per search worker thread; its young generation is 4 MiB. A search that needs more is answered SEARCH_TIMEOUT and its worker replaced.' }),
  'search.maxQueue': key({ schema: int(1, 100_000), default: 16, doc: 'Searches waiting for a worker before new ones are refused with SEARCH_BUSY.' }),
  'messages.editWindowSeconds': key({ schema: int(0, 10 * 365 * 86_400), default: 3600, doc: 'How long after sending its author may edit a message, in seconds (0: editing is off). Operators and admins never edit others\' messages; they may delete them.' }),
  'messages.editRetentionDays': key({ schema: int(0, 36_500), default: 30, doc: 'How long the earlier texts of an edited message are kept for moderators (the `edits` request), in days; 0 keeps none. Deleting a message removes them at once.' }),
  'messages.editVersionsMax': key({ schema: int(0, 1000), default: 20, doc: 'Earlier texts kept per edited message at most (the newest ones), so repeated edits cannot grow the store without bound.' }),
  'messages.reactionsPerMessage': key({ schema: int(1, 1000), default: 20, doc: 'Different emoji one message may carry; a new one beyond is refused with TOO_MANY_REACTIONS.' }),
  'messages.threadMaxDepth': key({ schema: int(1, 1000), default: 10, doc: 'How deep a chain of replies may go below its thread\'s first message (THREAD_TOO_DEEP).' }),
  'history.onJoin': key({ schema: int(0, 1000), default: 50, doc: 'Recent messages in the reply to `join` (and `history` without a position).' }),
  'history.pageMax': key({ schema: int(1, 1000), default: 200, doc: 'Most messages one `history` request returns.' }),
  'history.resumeMax': key({ schema: int(1, 10_000), default: 500, doc: 'Most missed messages sent per conversation on resume; more are reported as a gap to page through.' }),
  'auth.scryptLog2N': key({ schema: int(10, 20), default: 17, doc: 'scrypt cost for new password hashes, as log2(N) (r = 8, p = 1). 17 is OWASP\'s minimum (128 MiB per hash); lower only for tests.' }),
  'auth.maxConcurrentHashes': key({ schema: int(1, 256), default: 2, doc: 'Password hashes (scrypt) computing at once server-wide; each takes 128 MiB at the default cost.' }),
  'auth.maxQueuedHashes': key({ schema: int(0, 100_000), default: 64, doc: 'Password hashes waiting for a slot server-wide before new ones are refused with AUTH_BUSY.' }),
  'auth.hashesPerConnection': key({ schema: int(1, 1000), default: 1, doc: 'Password hashes (running or waiting) one connection may have; more are refused with AUTH_BUSY.' }),
  'auth.hashesPerIp': key({ schema: int(1, 100_000), default: 4, doc: 'Password hashes (running or waiting) one client address (IPv4 address or IPv6 /64) may have; more are refused with AUTH_BUSY.' }),
  'auth.freeFailures': key({ schema: int(1, 1000), default: 5, doc: 'Wrong passwords for one name from one address before that address is locked out of that name (other addresses are not).' }),
  'auth.ipFreeFailures': key({ schema: int(1, 100_000), default: 20, doc: 'Wrong passwords from one address, over all names, before the address is locked out of every name.' }),
  'auth.lockBaseMs': key({ schema: int(1, 3_600_000), default: 1000, doc: 'First lock after the free failures; each further failure doubles it (AUTH_THROTTLED).' }),
  'auth.lockMaxMs': key({ schema: int(1, 86_400_000), default: 900_000, doc: 'Longest lock after wrong passwords.' }),
  'auth.accountSlowAfter': key({ schema: int(1, 1_000_000), default: 100, doc: 'Wrong passwords for one name from all addresses within about an hour after which every password check for it is delayed by auth.accountSlowMs (never refused: the owner still gets in).' }),
  'auth.accountSlowMs': key({ schema: int(0, 60_000), default: 2000, doc: 'Delay before each password check of a name under a distributed attack (see auth.accountSlowAfter).' }),
  'auth.registerBurst': key({ schema: int(1, 1_000_000), default: 3, doc: 'Registrations one address may make at once (REGISTRATION_THROTTLED beyond).' }),
  'auth.registerPerHour': key({ schema: z.coerce.number().min(0.01).max(1_000_000), default: 5, doc: 'Steady registrations per hour per address after the burst.' }),
  'history.idempotencyWindowMs': key({ schema: int(0, 7 * 86_400_000), default: 600_000, doc: 'How long a (sender, request id) pair is remembered so a resend is not stored twice.' }),
  'flood.burst': key({ schema: int(1, 1_000_000), default: 10, doc: 'Requests a connection may make at once before flood control starts delaying them.' }),
  'flood.ratePerSec': key({ schema: z.coerce.number().min(0.01).max(1_000_000), default: 2, doc: 'Steady requests per second per connection after the burst.' }),
  'flood.calcBurst': key({ schema: int(1, 1_000_000), default: 3, doc: 'Calculator requests at once (counted on top of the request budget).' }),
  'flood.calcRatePerSec': key({ schema: z.coerce.number().min(0.01).max(1_000_000), default: 0.5, doc: 'Steady calculator requests per second per connection.' }),
  'flood.maxDelayMs': key({ schema: int(0, 60_000), default: 5000, doc: 'Longest a request is delayed (fakelag) before it is refused with RATE_LIMITED instead.' }),
  'flood.maxRefusals': key({ schema: int(1, 1_000_000), default: 10, doc: 'RATE_LIMITED refusals within flood.refusalWindowMs that disconnect with "Excess flood" (WebSocket 4002).' }),
  'flood.refusalWindowMs': key({ schema: int(100, 3_600_000), default: 10_000, doc: 'Window for counting refusals.' }),
  'limits.perIp': key({ schema: int(1, 1_000_000), default: 20, doc: 'Concurrent connections from one IP address, counted per socket from accept: HTTP keep-alive, WebSocket, IRC, TLS handshakes in progress (HTTP 429 / IRC ERROR beyond).' }),
  'limits.connectBurst': key({ schema: int(1, 1_000_000), default: 10, doc: 'New connections one IP address may open at once.' }),
  'limits.connectRatePerSec': key({ schema: z.coerce.number().min(0.01).max(1_000_000), default: 1, doc: 'Steady new connections per second per IP address after the burst.' }),
  'limits.exemptLoopback': key({ schema: z.stringbool().or(z.boolean()), default: true, doc: 'Exempt 127.0.0.0/8 and ::1 from the per-IP limits: connections, and the per-address login limits (auth.hashesPerIp, auth.ipFreeFailures, auth.register*). A reverse proxy on the same host connects from there.' }),
  'ws.allowedOrigins': key({ schema: z.string(), default: '', doc: 'Comma-separated Origins allowed to open a WebSocket (e.g. `https://chat.example.com`); empty means the server\'s own origin only. Requests without an Origin header (non-browser clients) are allowed.' }),
  'admin.token': key({ schema: token(), default: '', secret: true, doc: 'Bearer token for the admin API (`/api/admin/*`, `banter admin`). Empty disables the admin API (it answers 404). At least 16 characters.' }),
  'metrics.token': key({ schema: token(), default: '', secret: true, doc: 'Bearer token required by `GET /metrics`. Empty: /metrics is open (bind or firewall accordingly). At least 16 characters.' }),
  'metrics.loopResolutionMs': key({ schema: int(1, 1000), default: 2, doc: 'Sampling period of the event-loop monitor behind `nodejs_eventloop_lag_*_seconds` and `banter_event_loop_longest_turn_seconds` (docs/operations.md): lag is how late a timer due every this many ms ran, and the longest turn is known to within this much. It wakes an idle server this often (about 1 % of a core at 2 ms).' }),
  'http.maxBodyBytes': key({ schema: int(256, MiB), default: 16 * 1024, doc: 'Largest request body the HTTP API accepts; larger ones get 413 BODY_TOO_LARGE.' }),
  'http.allowedHosts': key({ schema: z.string().max(4000).refine((s) => s.split(',').map((h) => h.trim()).filter((h) => h !== '').every((h) => h === '*' || /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(h)), 'must be comma-separated host names without port or scheme, or *'), default: '', doc: 'Comma-separated host names (no port) the HTTP/WebSocket listener answers to, e.g. `chat.example.com`: the defence against DNS rebinding. `localhost`, `*.localhost` and IP addresses are always allowed; requests with another `Host` get 421 HOST_NOT_ALLOWED. `*` allows any Host (only when a proxy in front checks it).' }),
  'http.headersTimeoutMs': key({ schema: int(100, 600_000), default: 10_000, doc: 'Time a client has, from connecting (or from the end of its previous request), to send a complete request line and headers; then 408 and the connection is closed (slow-loris bound; also bounds a TLS handshake).' }),
  'http.requestTimeoutMs': key({ schema: int(100, 3_600_000), default: 30_000, doc: 'Time a client has to send a whole HTTP request, body included (at least http.headersTimeoutMs); then 408 and the connection is closed.' }),
  'tls.cert': key({ schema: z.string(), default: '', doc: 'PEM certificate chain file. With `tls.key`, the HTTP/WebSocket listener serves HTTPS/WSS on `port`; reloaded on SIGHUP. Relative to the working directory.' }),
  'tls.key': key({ schema: z.string(), default: '', doc: 'PEM private key file for `tls.cert`. Relative to the working directory.' }),
  'memory.idleCompactSec': key({ schema: int(0, 86_400), default: 5, doc: 'Seconds the event loop must stay idle (at most 5 % busy, checked every second) after the heap has grown by `memory.idleCompactGrowthMb` before the server compacts it with one full, memory-reducing GC: V8 keeps what a busy spell (a login storm, a burst of traffic) grew and fragmented while the server idles. 19,500 idle IRC connections held 3.6–3.7 KB of RSS each with it against 4.0–4.1 KB without (docs/benchmarks.md, "Compacting when idle"). The GC is one pause (60–160 ms with 19,500 connections), taken only while idle and at most once per growth. Needs `--expose-gc` (the default `BANTER_NODE_FLAGS`). 0: never.' }),
  'memory.idleCompactGrowthMb': key({ schema: int(1, 65_536), default: 16, doc: 'Growth of V8\'s heap (committed, but only what the young generation holds, not its size), in MB, over its lowest since the last compaction, that makes an idle spell worth compacting (`memory.idleCompactSec`).' }),
  'shutdown.timeoutMs': key({ schema: int(100, 600_000), default: 10_000, doc: 'Bound on a graceful shutdown (SIGTERM/SIGINT); clients get up to half of it to close, then the process exits with 70 if it is still not done.' }),
  'irc.enabled': key({ schema: z.stringbool().or(z.boolean()), default: true, flag: 'irc-enabled', doc: 'Listen for IRC clients.' }),
  'irc.host': key({ schema: z.string(), default: '', flag: 'irc-host', doc: 'Address the IRC listener binds to; empty means the same as `host`.' }),
  'irc.port': key({ schema: int(0, 65535), default: 6667, flag: 'irc-port', doc: 'IRC port, plain text (0 picks a free port).' }),
  'irc.serverName': key({ schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z0-9.-]+$/), default: 'banter.local', flag: 'irc-server-name', doc: 'The server\'s name in IRC lines (must contain a dot so clients do not take it for a nick).' }),
  'irc.network': key({ schema: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/), default: 'Banter', flag: 'irc-network', doc: 'Network name shown in the welcome message and ISUPPORT NETWORK.' }),
  'irc.motd': key({ schema: z.string().max(4000), default: 'Welcome to Banter. Everyone is in #lobby; /msg Calc 2^100 for the calculator.', doc: 'Message of the day (`\\n` separates lines); empty sends ERR_NOMOTD (422).' }),
  'irc.autoJoinLobby': key({ schema: z.stringbool().or(z.boolean()), default: true, doc: 'Join IRC clients to #lobby at registration; turn off for bots and clients that choose their own channels.' }),
  'irc.sendQueueBytes': key({ schema: int(4096, 256 * MiB), default: 96 * 1024, doc: 'Outbound bytes queued for one IRC client before it is disconnected with "SendQ exceeded".' }),
  'irc.readQueueBytes': key({ schema: int(1024, 16 * MiB), default: 64 * 1024, doc: 'Received bytes waiting to be processed for one IRC client. Lines waiting for the server (commits in flight) pause reading past half of it, so TCP holds the client back; lines held by the flood gate past all of it, or a line that never ends, disconnect the client with "ReadQ exceeded".' }),
  'irc.pingIntervalMs': key({ schema: int(100, 3_600_000), default: 120_000, doc: 'Idle time after which the server sends PING; no reply within the same time disconnects with "Ping timeout" (not while the server has paused reading the connection: see irc.readQueueBytes).' }),
  'irc.floodBurst': key({ schema: int(1, 100_000), default: 20, doc: 'Lines an IRC client may send at once before flood control delays it.' }),
  'irc.floodRate': key({ schema: z.coerce.number().min(0).max(100_000), default: 5, doc: 'Lines per second an IRC client may send after its burst; further lines wait (0 turns flood control off).' }),
  'irc.tlsPort': key({ schema: int(0, 65535), default: 6697, flag: 'irc-tls-port', doc: 'IRC-over-TLS port, served when `tls.cert` and `tls.key` are set (the same certificate, reloaded on SIGHUP with it; 0 picks a free port).' }),
  'irc.stsDuration': key({ schema: int(-1, 2_147_483_647), default: -1, flag: 'irc-sts-duration', doc: 'IRCv3 strict transport security (`sts` cap), with TLS configured: seconds clients must keep using TLS. The plain-text listener advertises `sts=port=<irc.tlsPort>` (clients reconnect with TLS), the TLS listener `sts=duration=<this>`. -1 turns STS off; 0 tells clients to drop a policy they hold.' }),
  'irc.registrationTimeoutMs': key({ schema: int(100, 3_600_000), default: 60_000, doc: 'Time an IRC connection may take to complete NICK/USER (and CAP END) before it is closed.' }),
  'files.enabled': key({ schema: z.stringbool().or(z.boolean()), default: true, doc: 'Let users share files in conversations (docs/protocol.md, "Files"). Bytes are kept under `<dataDir>/files/` (in memory with `store = memory`), metadata in the store.' }),
  'files.maxBytes': key({ schema: int(1, 64 * 1024 * MiB), default: 25 * MiB, doc: 'Largest file one upload may be (FILE_TOO_LARGE beyond). Uploads must also arrive within http.requestTimeoutMs.' }),
  'files.perMessage': key({ schema: int(1, 50), default: 10, doc: 'Files one message may carry (TOO_MANY_FILES beyond).' }),
  'files.quotaBytes': key({ schema: int(0, Number.MAX_SAFE_INTEGER), default: 1024 * MiB, doc: 'Bytes of files one account or guest session may have stored (FILE_QUOTA_EXCEEDED beyond).' }),
  'files.totalBytes': key({ schema: int(0, Number.MAX_SAFE_INTEGER), default: 20 * 1024 * MiB, doc: 'Bytes of files the server stores in all (FILE_STORAGE_FULL beyond).' }),
  'files.uploadBurst': key({ schema: int(1, 1_000_000), default: 20, doc: 'Uploads one account or guest session may start at once (FILE_UPLOAD_THROTTLED beyond).' }),
  'files.uploadsPerHour': key({ schema: z.coerce.number().min(0.01).max(1_000_000), default: 120, doc: 'Steady uploads per hour per account or guest session after the burst.' }),
  'files.denyExtensions': key({ schema: z.string().max(4000), default: 'exe,dll,com,bat,cmd,msi,msp,scr,pif,cpl,ps1,psm1,vbs,vbe,js,jse,wsf,wsh,hta,jar,apk,app,dmg,pkg,deb,rpm,sh,bash,so,dylib,lnk,reg,elf,bin,run', doc: 'Comma-separated file name extensions refused whatever the content (FILE_TYPE_DENIED); executables and scripts recognised by content (ELF, PE, Mach-O, WebAssembly, `#!`) are always refused.' }),
  'files.linkTtlMs': key({ schema: int(1000, 30 * 86_400_000), default: 3_600_000, doc: 'Lifetime of the signed links `file_links` hands to members (clients ask again when they expire).' }),
  'files.ircLinkTtlMs': key({ schema: int(1000, 365 * 86_400_000), default: 7 * 86_400_000, doc: 'Lifetime of the signed links shown to IRC users in messages with files.' }),
  'files.uploadTtlMs': key({ schema: int(1000, 86_400_000), default: 600_000, doc: 'Time to start using an upload URL from `upload` (the upload itself is bounded by http.requestTimeoutMs).' }),
  'files.pendingTtlMs': key({ schema: int(1000, 30 * 86_400_000), default: 3_600_000, doc: 'Uploads not attached to a message within this time are deleted (garbage-collected).' }),
  'files.maxPixels': key({ schema: int(1, 1_000_000_000), default: 50_000_000, doc: 'Largest image (width x height x frames) that is decoded; larger ones are refused with IMAGE_INVALID before decoding (decompression bombs).' }),
  'files.nice': key({ schema: int(0, 19), default: 10, doc: 'Nice value (CPU priority, 0–19, added to the server\'s own) of image and video work: the image worker process (sharp/libvips) and the ffmpeg child process. The server\'s own threads (event loop, store, file I/O) keep their priority, so chat stays responsive while large images are processed on a small machine. 0: unchanged.' }),
  'files.imageTimeoutMs': key({ schema: int(1000, 600_000), default: 60_000, doc: 'Most time one image may take to be re-encoded and thumbnailed in the image worker process; then that upload fails with IMAGE_UNAVAILABLE (nothing stored) and the process is replaced. At most 1000 images wait for the worker; more are refused with IMAGE_UNAVAILABLE.' }),
  'files.imageIdleMs': key({ schema: int(100, 86_400_000), default: 30_000, doc: 'The image worker process (sharp, libvips: about 80 MiB of RSS after a 6-megapixel JPEG, more while a large image is decoded; all of it returned when it exits) starts with the first image and exits after this long without one.' }),
  'files.imageMemoryBytes': key({ schema: int(4096 * MiB, 64 * 1024 * MiB), default: 8 * 1024 * MiB, doc: 'Address-space limit of the image worker process (with util-linux `prlimit`). Virtual, not resident: the built server\'s worker peaks at about 2.2 GB of address space on 24-megapixel JPEGs, one started from the TypeScript sources at about 6.4 GB (Node\'s WebAssembly type stripper reserves most of it); 4 GiB made images after the first fail from sources ("VipsJpeg: Insufficient memory"). An image that needs more fails with IMAGE_UNAVAILABLE (503: the server\'s limit, not a bad file; nothing stored), the server is unaffected.' }),
  'files.thumbSize': key({ schema: int(16, 2048), default: 320, doc: 'Thumbnails fit in this many pixels square (WebP).' }),
  'files.store': key({ schema: z.enum(['local', 's3']), default: 'local', doc: 'Where file bytes are kept: `local` under `<dataDir>/files/` (in memory with `store = memory`); `s3` in the S3-compatible bucket `files.s3.bucket` (cluster mode: every node serves every file). S3 credentials come from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) or the AWS SDK\'s other default sources, never from this file.' }),
  'files.s3.bucket': key({ schema: z.string().max(255), default: '', doc: 'The bucket for `files.store = "s3"` (required then); it must exist.' }),
  'files.s3.endpoint': key({ schema: z.string().max(2000).refine((s) => s === '' || /^https?:\/\/[^\s]+$/.test(s), 'must be empty or an http(s):// URL'), default: '', doc: 'URL of the S3-compatible store, e.g. `http://127.0.0.1:3900` (Garage) or `https://minio.internal:9000`; empty: AWS S3 in `files.s3.region`.' }),
  'files.s3.region': key({ schema: z.string().min(1).max(100), default: 'us-east-1', doc: 'Region of the bucket (self-hosted stores usually accept any; Garage expects its `s3_region`).' }),
  'files.s3.prefix': key({ schema: z.string().max(500), default: '', doc: 'Prefix of every object key (e.g. `banter/`); blobs are `<prefix>blobs/<sha256>`.' }),
  'files.s3.pathStyle': key({ schema: z.stringbool().or(z.boolean()), default: true, doc: 'Address the bucket in the path (`http://host/bucket/key`), as most self-hosted stores need; `false`: virtual-hosted style (`http://bucket.host/key`).' }),
  'files.s3.timeoutMs': key({ schema: int(100, 600_000), default: 30_000, doc: 'Time to connect to the object store, and most time it may stay silent during one request; then the upload or download fails with FILE_STORE_UNAVAILABLE (503).' }),
  'files.ffmpegPath': key({ schema: z.string().max(1000), default: 'ffmpeg', doc: 'The ffmpeg binary that makes poster frames of uploaded MP4/WebM videos (Debian package `ffmpeg`), run as a bounded child process; empty, or not installed: videos are shown as cards without a thumbnail.' }),
  'files.videoTimeoutMs': key({ schema: int(100, 120_000), default: 10_000, doc: 'Time ffmpeg may take for one poster frame before it is killed (the video is then shown as a card).' }),
  'files.videoMemoryBytes': key({ schema: int(64 * MiB, 16 * 1024 * MiB), default: 512 * MiB, doc: 'Address-space limit of the ffmpeg child process (with util-linux `prlimit`); a video that needs more gets no poster frame.' }),
  'files.linkSecret': key({ schema: token(), default: '', secret: true, doc: 'Key that signs upload and download links; changing it revokes every link. Empty: a random key kept in `<dataDir>/files/link.key` (per process with `store = memory`). Set the same value on every node of a cluster.' }),
  'files.publicUrl': key({ schema: z.string().max(2000).refine((s) => s === '' || /^https?:\/\/[^/\s]+\/?$/.test(s), 'must be empty or like https://chat.example.com'), default: '', doc: 'Origin used in file links shown to IRC users, e.g. `https://chat.example.com`; empty: this listener\'s own URL.' }),
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export type Config = { readonly [K in ConfigKey]: z.infer<(typeof CONFIG_KEYS)[K]['schema']> };

/** BANTER_ + the key in upper snake case: ws.maxPayload -> BANTER_WS_MAX_PAYLOAD. */
export function envName(k: string): string {
  return 'BANTER_' + k.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Values from command-line flags, by key. */
  flags?: Partial<Record<ConfigKey, string>>;
  env?: Record<string, string | undefined>;
  /** Values from a config file (src/server/config-file.ts), by key, and the file's path for messages. */
  file?: { path: string; values: Partial<Record<ConfigKey, unknown>> };
  /** Programmatic overrides (tests), already typed. */
  overrides?: Partial<{ [K in ConfigKey]: unknown }>;
}

export function loadConfig(src: ConfigSources = {}): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [k, def] of Object.entries(CONFIG_KEYS) as [ConfigKey, KeyDef<z.ZodType>][]) {
    let raw: unknown = def.default;
    let from = 'default';
    if (src.file && k in src.file.values) { raw = src.file.values[k]; from = src.file.path; }
    const env = src.env?.[envName(k)];
    if (env !== undefined && env !== '') { raw = env; from = envName(k); }
    const flag = src.flags?.[k];
    if (flag !== undefined) { raw = flag; from = `--${def.flag ?? k}`; }
    if (src.overrides && k in src.overrides) { raw = src.overrides[k]; from = 'override'; }
    const parsed = def.schema.safeParse(raw);
    if (parsed.success) out[k] = parsed.data;
    else problems.push(`${k} (from ${from}): ${parsed.error.issues.map((i) => i.message).join('; ')} — got ${def.secret ? '(secret, not shown)' : JSON.stringify(raw)}`);
  }
  if (problems.length === 0) {
    if (out['files.store'] === 's3' && out['files.s3.bucket'] === '') problems.push('files.s3.bucket: required with files.store = "s3"');
    if (out.store === 'postgres' && out.postgresUrl === '') problems.push('postgresUrl: required with store = "postgres" (flag --postgres-url, env BANTER_POSTGRES_URL)');
    if (out.bus === 'redis' && out.redisUrl === '') problems.push('redisUrl: required with bus = "redis" (flag --redis-url, env BANTER_REDIS_URL)');
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}
