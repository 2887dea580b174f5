// Slack text in, command text out; and the reply handle Deckhand keeps in ChatMessage.threadId.

/** Slack sends `&`, `<`, `>` typed by users as entities. */
function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * `/deckhand superset status` → `superset status`; `/superset status` → `superset status`
 * (any other command is named after a service; the parser says so if it is not one).
 * A bare `/deckhand` asks for help; a bare `/superset` is `superset` (status by default).
 */
export function slashCommandText(command: string, text: string, mainCommand = 'deckhand'): string {
  const name = command.replace(/^\//, '').trim().toLowerCase();
  const rest = decodeEntities(text ?? '').trim();
  if (name === mainCommand.replace(/^\//, '').toLowerCase()) return rest || 'help';
  return `${name} ${rest}`.trim();
}

/**
 * `<@UBOT> superset status` → `superset status`. Everything up to and including the bot's mention is
 * dropped ("hey <@UBOT> superset status" works too); no command after it asks for help.
 */
export function mentionText(text: string, botUserId: string | undefined): string {
  let rest = text;
  const mention = botUserId ? new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`) : /<@[UW][A-Z0-9]+(?:\|[^>]*)?>/;
  const m = mention.exec(rest);
  if (m) rest = rest.slice(m.index + m[0].length);
  rest = decodeEntities(rest)
    .replace(/^[\s:,]+/, '')
    .trim();
  return rest || 'help';
}

/**
 * ChatMessage.threadId for Slack: the ts of the thread to answer in, then optionally `#` and a
 * request reference when the thread alone does not name the request (a mention inside an existing
 * thread, where several people may ask), or when there is no thread at all (the bot could not post
 * in the channel and answers through the slash command's response_url: `#<trigger id>`).
 * The gateway treats it as opaque; only this adapter reads it.
 */
export function threadHandle(threadTs: string | undefined, ref?: string): string {
  return ref ? `${threadTs ?? ''}#${ref}` : (threadTs ?? '');
}

export function parseThreadHandle(handle: string | undefined): { threadTs?: string; ref?: string } {
  if (!handle) return {};
  const i = handle.indexOf('#');
  const ts = i < 0 ? handle : handle.slice(0, i);
  const ref = i < 0 ? undefined : handle.slice(i + 1);
  return { ...(ts ? { threadTs: ts } : {}), ...(ref ? { ref } : {}) };
}
