/**
 * Turns Slack Web API failures into sentences a user can act on. Classification uses the
 * platform's stable error codes (`data.error`), never message text.
 */
import { MaildiagError } from '../core/errors.js';

export interface SlackFailure {
  /** Slack's error code (`not_in_channel`, `missing_scope`, ...) or `unexpected`. */
  code: string;
  /** Safe to show a user: no token, no request body. */
  message: string;
}

interface PlatformErrorShape {
  code: string;
  data: { error: string; needed?: string };
}

function isPlatformError(error: unknown): error is PlatformErrorShape {
  if (typeof error !== 'object' || error === null) return false;
  const data = (error as { data?: unknown }).data;
  return (
    (error as { code?: unknown }).code === 'slack_webapi_platform_error' &&
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { error?: unknown }).error === 'string'
  );
}

export function describeSlackFailure(error: unknown): SlackFailure {
  if (isPlatformError(error)) {
    const code = error.data.error;
    switch (code) {
      case 'not_in_channel':
      case 'channel_not_found':
        return { code, message: 'I am not a member of this channel, so I cannot post or read here. Invite me with `/invite @maildiag`, then try again.' };
      case 'missing_scope': {
        const needed = error.data.needed ? ` \`${error.data.needed.replace(/[^a-z:_.,]/gi, '')}\`` : '';
        return {
          code,
          message: `The app is missing the Slack permission${needed}. An admin can reinstall it from manifest.yml (it lists every scope maildiag uses).`,
        };
      }
      case 'is_archived':
        return { code, message: 'This channel is archived, so I cannot post here.' };
      case 'thread_not_found':
      case 'message_not_found':
        return { code, message: 'I could not read that thread (it may have been deleted).' };
      case 'ratelimited':
        return { code, message: 'Slack is rate-limiting me right now; try again in a minute.' };
      default:
        return { code, message: `Slack refused the request (\`${code.replace(/[^a-z0-9_]/gi, '')}\`).` };
    }
  }
  if (error instanceof MaildiagError) return { code: error.code, message: error.message };
  return { code: 'unexpected', message: 'Something went wrong on my side.' };
}

/** Thrown inside a run when Slack refuses a call; carries the classified failure. */
export class SlackCallError extends MaildiagError {
  readonly slackCode: string;
  constructor(failure: SlackFailure, cause: unknown) {
    super(`slack_${failure.code}`, failure.message, { cause });
    this.slackCode = failure.code;
  }
}
