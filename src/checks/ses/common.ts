/** Helpers shared by the AWS-backed layers (ses, suppression, relay). Pure over the run context. */
import { AwsCallError } from '../../core/aws-ports.js';
import { describeError } from '../../core/errors.js';
import { type EvidenceItem, type Finding, type Layer, makeFinding } from '../../core/finding.js';
import type { RunContext } from '../../core/ports.js';

/** Regions to check: those named in the input, else the configured ones. */
export function regionsOf(ctx: RunContext): string[] {
  const regions = ctx.target.regions.length > 0 ? ctx.target.regions : ctx.settings.regions;
  return regions.length > 0 ? [...new Set(regions)] : ['us-east-1'];
}

/** The region the relay sends through: the first region in scope. */
export function relayRegionOf(ctx: RunContext): string {
  return regionsOf(ctx)[0] ?? 'us-east-1';
}

export function isoDate(date: Date | undefined): string {
  return date === undefined ? '(none)' : date.toISOString().replace(/\.000Z$/, 'Z');
}

export function daysBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / 86_400_000);
}

/** Evidence naming the failed AWS call, its region, AWS's code and the IAM action the bot lacks. */
export function awsErrorEvidence(error: unknown): EvidenceItem[] {
  if (!(error instanceof AwsCallError)) return [{ label: 'error code', value: describeError(error).code, code: true }];
  return [
    { label: 'AWS call', value: `${error.service === 'IAM' ? 'iam' : 'ses'}:${error.operation}`, code: true },
    { label: 'region', value: error.region, code: true },
    { label: 'AWS error code', value: error.awsCode, code: true },
    ...(error.missingAction ? [{ label: 'IAM action the bot lacks', value: error.missingAction, code: true }] : []),
  ];
}

/**
 * An `error` finding for a failed AWS call ("could not check"), or a `warn` when the region
 * is not enabled for the account: that is a fact about the account, not a failure of ours.
 */
export function awsErrorFinding(
  layer: Layer,
  check: string,
  init: { id?: string; title: string; what: string; error: unknown },
): Finding {
  const { message, hint } = describeError(init.error);
  const regionDisabled = init.error instanceof AwsCallError && init.error.kind === 'region-not-enabled';
  return makeFinding(layer, check, {
    ...(init.id ? { id: init.id } : {}),
    status: regionDisabled ? 'warn' : 'error',
    title: init.title,
    summary: regionDisabled ? `${(init.error as AwsCallError).region} is not enabled for this AWS account, so SES cannot send from it.` : `Could not check ${init.what}: ${message}`,
    evidence: awsErrorEvidence(init.error),
    explanation: regionDisabled
      ? 'Opt-in regions must be enabled in the account before SES (or anything else) works there.'
      : 'The AWS call failed, so this part is neither confirmed healthy nor broken.',
    fix: hint ?? 'Run the diagnosis again.',
  });
}

/** Runs `body`, turning an AWS failure into the finding above instead of a thrown error. */
export async function orAwsError(
  layer: Layer,
  check: string,
  init: { id?: string; title: string; what: string },
  body: () => Promise<Finding[]>,
): Promise<Finding[]> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof AwsCallError) return [awsErrorFinding(layer, check, { ...init, error })];
    throw error;
  }
}

/** `arn:aws:ses:<region>:<account>:identity/<identity>`; partition and account come from any IAM ARN. */
export function sesIdentityArn(iamArn: string, region: string, identity: string): string | undefined {
  const parts = /^arn:([^:]+):iam::(\d{12}):/.exec(iamArn);
  if (!parts) return undefined;
  return `arn:${parts[1]}:ses:${region}:${parts[2]}:identity/${identity}`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
