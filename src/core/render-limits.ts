/**
 * Length budgets for one finding, shared by every renderer that shows findings to people
 * (the Slack thread and the Markdown report): what is cut, and where. Slack counts them in
 * escaped mrkdwn characters, Markdown in raw characters; the full text is always in `--json`.
 */
export const FINDING_LIMITS = {
  title: 120,
  summary: 400,
  /** Evidence lines shown per finding; the rest is counted ("… 3 more evidence lines"). */
  evidenceLines: 6,
  evidenceValue: 160,
  why: 600,
  fix: 450,
  rootCause: 600,
  /** Target notes shown, and the length of each. */
  notes: 3,
  note: 300,
} as const;
