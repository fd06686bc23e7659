import { CheckTimeoutError, describeError } from './errors.js';
import { type Finding, type Layer, LAYERS, LAYER_TITLES, makeFinding, overallStatus, type Status } from './finding.js';
import type { AwsGateways } from './aws-ports.js';
import type { RunContext } from './ports.js';
import { buildReport, type Report } from './report.js';

/** What a check needs besides DNS, so the engine can skip it with a reason. */
export type CheckRequirement = 'aws';

/** The run context an AWS check gets: the engine guarantees the gateways are there. */
export interface AwsRunContext extends RunContext {
  aws: AwsGateways;
}

interface CheckShape {
  id: string;
  layer: Layer;
  title: string;
}

/** A check that needs DNS (and optional SMTP) only. */
export interface LocalCheck extends CheckShape {
  requires?: undefined;
  run(ctx: RunContext): Promise<Finding[]>;
}

/** A check that declares `requires: ['aws']`: it runs with AWS gateways, or is skipped with a reason. */
export interface AwsCheck extends CheckShape {
  requires: readonly ['aws'];
  run(ctx: AwsRunContext): Promise<Finding[]>;
}

/** A check is data plus one async function. */
export type Check = LocalCheck | AwsCheck;

export function isAwsCheck(check: Check): check is AwsCheck {
  return check.requires?.includes('aws') === true;
}

/** True when any of the selected layers has a check that needs AWS (so AWS is worth loading). */
export function needsAws(modules: readonly LayerModule[], layers: readonly Layer[] | undefined): boolean {
  const selected = new Set<Layer>(layers ?? LAYERS);
  return modules.some((module) => module.checks.some((check) => selected.has(check.layer) && isAwsCheck(check)));
}

/** One module per layer exports one of these. */
export interface LayerModule {
  layer: Layer;
  checks: readonly Check[];
}

export type ProgressEvent =
  | { type: 'check-started'; check: string; layer: Layer }
  | { type: 'check-finished'; check: string; layer: Layer; findings: Finding[] }
  | { type: 'layer-finished'; layer: Layer; status: Status; findings: Finding[] };

export interface RunOptions {
  /** Only these layers run; the others are reported as skipped. Default: all. */
  layers?: readonly Layer[];
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * Runs every check concurrently, each under its own timeout, and builds the report.
 * Never throws for a failing check: a thrown error or a timeout becomes an `error` finding.
 */
export async function runDiagnosis(modules: readonly LayerModule[], ctx: RunContext, options: RunOptions = {}): Promise<Report> {
  const startedAt = ctx.clock.now();
  const started = performance.now();
  const selected = new Set<Layer>(options.layers ?? LAYERS);
  const emit = (event: ProgressEvent): void => {
    try {
      options.onProgress?.(event);
    } catch (error) {
      ctx.log.warn({ err: error, runId: ctx.runId }, 'progress listener failed');
    }
  };

  const layerResults = modules.map(async (module): Promise<Finding[]> => {
    const findings = (
      await Promise.all(
        module.checks.map(async (check) => {
          const prepared = prepareCheck(check, ctx, selected);
          if ('skip' in prepared) return [skippedFinding(check, prepared.skip)];
          emit({ type: 'check-started', check: check.id, layer: check.layer });
          const result = await runOneCheck(check, ctx, prepared.run);
          emit({ type: 'check-finished', check: check.id, layer: check.layer, findings: result });
          return result;
        }),
      )
    ).flat();
    if (selected.has(module.layer)) {
      emit({ type: 'layer-finished', layer: module.layer, status: overallStatus(findings.map((f) => f.status)), findings });
    }
    return findings;
  });

  const findings = (await Promise.all(layerResults)).flat();
  return buildReport({
    runId: ctx.runId,
    target: ctx.target,
    findings,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    counters: ctx.counters,
  });
}

/**
 * Runs one check directly, as the engine would minus the timeout (benchmarks, focused tests):
 * an AWS check gets the context's gateways typed, or its skipped finding when there are none.
 */
export function invokeCheck(check: Check, ctx: RunContext): Promise<Finding[]> {
  const prepared = prepareCheck(check, ctx, new Set(LAYERS));
  return 'skip' in prepared ? Promise.resolve([skippedFinding(check, prepared.skip)]) : prepared.run(ctx.signal);
}

type SkipReason = { summary: string; fix: string };

/** Either why the check is skipped, or how to run it (an AWS check gets its gateways typed, not optional). */
function prepareCheck(
  check: Check,
  ctx: RunContext,
  selected: ReadonlySet<Layer>,
): { skip: SkipReason } | { run: (signal: AbortSignal) => Promise<Finding[]> } {
  if (!selected.has(check.layer)) {
    return { skip: { summary: `Left out: the ${LAYER_TITLES[check.layer]} layer was not selected.`, fix: `Include \`${check.layer}\` in the layers to run it.` } };
  }
  if (!isAwsCheck(check)) return { run: (signal) => check.run({ ...ctx, signal }) };
  const aws = ctx.aws;
  if (aws === undefined) {
    return {
      skip: {
        summary: 'Not checked: no AWS credentials are configured.',
        fix: 'Give the bot AWS credentials (environment, shared profile or an IAM role) with the read-only policy in docs/iam-policy.json.',
      },
    };
  }
  // The check's view of the gateways: its requests are cancelled with the check (timeout or run).
  return { run: (signal) => check.run({ ...ctx, aws: aws.withSignal(signal), signal }) };
}

function skippedFinding(check: Check, reason: SkipReason): Finding {
  return makeFinding(check.layer, check.id, { status: 'skipped', title: check.title, summary: reason.summary, fix: reason.fix });
}

async function runOneCheck(check: Check, ctx: RunContext, run: (signal: AbortSignal) => Promise<Finding[]>): Promise<Finding[]> {
  const timeoutMs = ctx.settings.checkTimeoutMs;
  const controller = new AbortController();
  const onRunAbort = (): void => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onRunAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CheckTimeoutError(check.title, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const findings = await Promise.race([run(controller.signal), timeout]);
    // A check with nothing to say is left out rather than shown as an empty "Nothing to report.".
    return findings;
  } catch (error) {
    ctx.log.warn({ err: error, runId: ctx.runId, check: `${check.layer}.${check.id}` }, 'check failed');
    return [errorFinding(check, error)];
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onRunAbort);
  }
}

/** "Could not check X: reason. Fix." */
export function errorFinding(check: Pick<Check, 'id' | 'layer' | 'title'>, error: unknown): Finding {
  const { message, hint, code } = describeError(error);
  return makeFinding(check.layer, check.id, {
    status: 'error',
    title: check.title,
    summary: `Could not check ${lowerFirst(check.title)}: ${message}`,
    evidence: [{ label: 'error code', value: code, code: true }],
    explanation: 'The check did not complete, so this layer is neither confirmed healthy nor broken.',
    fix: hint ?? 'Run the diagnosis again; if the error persists, look at the bot\'s logs for this run id.',
  });
}

function lowerFirst(text: string): string {
  return text.length > 1 && text[1] === text[1]?.toLowerCase() ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
