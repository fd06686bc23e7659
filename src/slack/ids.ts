/**
 * Stable identifiers shared by the manifest, the listeners and the approval flow (issue 6).
 * Change one only together with manifest.yml: Slack routes by these strings.
 */
export const SLASH_COMMAND = '/maildiag';
/** Message shortcut "Diagnose this thread" (manifest `shortcuts[].callback_id`). */
export const DIAGNOSE_THREAD_SHORTCUT = 'maildiag.diagnose_thread';
/** "Request fix" button under a finding with a remediation; its value is an offer id. */
export const REQUEST_FIX_ACTION = 'maildiag.request_fix';

/** block_id of the summary's first block: tells a progress state from the final one. */
export const SUMMARY_BLOCK_PROGRESS = 'maildiag.summary.progress';
export const SUMMARY_BLOCK_FINAL = 'maildiag.summary.final';
/** block_id of a queued run's summary ("queued, N ahead"), and of one cancelled at shutdown. */
export const SUMMARY_BLOCK_QUEUED = 'maildiag.summary.queued';
export const SUMMARY_BLOCK_CANCELLED = 'maildiag.summary.cancelled';
