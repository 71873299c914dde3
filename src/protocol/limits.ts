/**
 * Protocol-level limits that every client and transport shares. Operational limits (queue
 * sizes, rates) live in the server config; these are part of the wire contract.
 */
export const LIMITS = {
  /** User name length (IRC NICKLEN). */
  nameMaxLength: 32,
  /** Room name length including the leading '#' (IRC CHANNELLEN). */
  roomMaxLength: 50,
  /** Message text length in characters (UTF-16 code units are counted as JS length). */
  textMaxLength: 4000,
  /** Lines one message may have (multi-line messages; newlines + 1). The text limit bounds each line's length. */
  textMaxLines: 100,
  /** A reaction: one emoji (ZWJ sequences included) or a `:shortcode:`, in UTF-16 code units. */
  emojiMaxLength: 32,
  /** Names listed per emoji in a message's reaction summary (the count is always exact). Small, because every reaction change sends the whole summary to the whole conversation. */
  reactionNamesMax: 10,
  /** Distinct `@name` mentions stored per message (more are plain text). */
  mentionsPerMessageMax: 20,
  /** Request id length. */
  requestIdMaxLength: 64,
  /** Calculator expression length. */
  exprMaxLength: 256,
  /** Away message length. */
  awayMaxLength: 200,
  /** Room topic length (IRC TOPICLEN). */
  topicMaxLength: 300,
  /** Password length in UTF-8 bytes (checked before hashing). */
  passwordMinBytes: 8,
  passwordMaxBytes: 1024,
  /** Session token length (base64url of 32 random bytes is 43). */
  tokenMaxLength: 128,
  /** Search query length in characters. */
  searchMaxLength: 500,
  /** Distinct words one search may look for. */
  searchMaxWords: 16,
  /** Letters or digits a prefix word needs before its `*` (`dep*`, not `d*`). */
  searchMinPrefix: 3,
  /** Conversations one resume request may name. */
  resumeMaxConversations: 200,
  /** A ban/exception/invite/mute mask ("nick!user@host" glob or "$a:account"), or an IP range. */
  maskMaxLength: 200,
  /** A room's join key (IRC +k). */
  keyMaxLength: 23,
  /** A moderation reason (kick, ban, kill). */
  reasonMaxLength: 200,
  /** Files one message may carry at most (the server's files.perMessage may be lower). */
  filesPerMessageMax: 50,
  /** File ids one file_links request may name. */
  fileLinksMax: 100,
} as const;
