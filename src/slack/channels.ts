/** `MAILDIAG_ALLOWED_CHANNELS`: an empty list means every channel (see docs/slack.md). */
export function isChannelAllowed(allowed: readonly string[], channel: string | undefined): boolean {
  if (allowed.length === 0) return true;
  return channel !== undefined && allowed.includes(channel);
}
