import { CheckTimeoutError, describeError } from './errors.js';
import { type Finding, type Layer, LAYERS, LAYER_TITLES, makeFinding, overallStatus, type Status } from './finding.js';
import type { RunContext } from './ports.js';
import { buildReport, type Report } from './report.js';

/** What a check needs besides DNS, so the engine can skip it with a reason. */
export type CheckRequirement = 'aws';

/** A check is data plus one async function. */
export interface Check {
  id: string;
  layer: Layer;
  title: string;
  requires?: readonly CheckRequirement[];
  run(ctx: RunContext): Promise<Finding[]>;
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
          const skipReason = skipReasonFor(check, ctx, selected);
          if (skipReason) return [skippedFinding(check, skipReason)];
          emit({ type: 'check-started', check: check.id, layer: check.layer });
          const result = await runOneCheck(check, ctx);
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

function skipReasonFor(check: Check, ctx: RunContext, selected: ReadonlySet<Layer>): { summary: string; fix: string } | undefined {
  if (!selected.has(check.layer)) {
    return { summary: `Left out: the ${LAYER_TITLES[check.layer]} layer was not selected.`, fix: `Include \`${check.layer}\` in the layers to run it.` };
  }
  if (check.requires?.includes('aws') && ctx.aws === undefined) {
    return {
      summary: 'Not checked: no AWS credentials are configured.',
      fix: 'Give the bot AWS credentials (environment, shared profile or an IAM role) with the read-only policy in docs/iam-policy.json.',
    };
  }
  return undefined;
}

function skippedFinding(check: Check, reason: { summary: string; fix: string }): Finding {
  return makeFinding(check.layer, check.id, { status: 'skipped', title: check.title, summary: reason.summary, fix: reason.fix });
}

async function runOneCheck(check: Check, ctx: RunContext): Promise<Finding[]> {
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
    const checkCtx = { ...ctx, signal: controller.signal, aws: ctx.aws?.withSignal(controller.signal) };
    const findings = await Promise.race([check.run(checkCtx), timeout]);
    return findings.length > 0
      ? findings
      : [makeFinding(check.layer, check.id, { status: 'info', title: check.title, summary: 'Nothing to report.' })];
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
