import { describe, expect, it } from 'vitest';
import { createRunContext } from '../../src/core/context.js';
import { type Check, type LayerModule, type ProgressEvent, runDiagnosis } from '../../src/core/engine.js';
import { makeFinding } from '../../src/core/finding.js';
import type { AwsGateways } from '../../src/core/aws-ports.js';
import type { DnsClient } from '../../src/core/ports.js';
import { emptyTarget } from '../../src/core/target.js';

const noDns: DnsClient = {
  resolve: () => Promise.reject(new Error('no DNS in this test')),
};

function context(overrides: { checkTimeoutMs?: number; aws?: AwsGateways } = {}) {
  return createRunContext({
    target: emptyTarget('example.com'),
    dns: noDns,
    aws: overrides.aws,
    settings: { checkTimeoutMs: overrides.checkTimeoutMs ?? 1_000 },
  });
}

/** A check that resolves only when the test releases it: proves concurrency without timing. */
function gatedCheck(id: string, layer: Check['layer'], gate: Promise<void>, status: 'pass' | 'fail' = 'pass'): Check {
  return {
    id,
    layer,
    title: `Check ${id}`,
    async run() {
      await gate;
      return [makeFinding(layer, id, { status, title: `Check ${id}`, summary: `${id} done` })];
    },
  };
}

describe('runDiagnosis', () => {
  it('starts every check before any finishes (concurrent), and reports progress per check and layer', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events: ProgressEvent[] = [];
    const modules: LayerModule[] = [
      { layer: 'dns', checks: [gatedCheck('a', 'dns', gate), gatedCheck('b', 'dns', gate)] },
      { layer: 'recipient', checks: [gatedCheck('c', 'recipient', gate, 'fail')] },
    ];
    const running = runDiagnosis(modules, context(), {
      onProgress: (event) => {
        events.push(event);
        if (events.filter((e) => e.type === 'check-started').length === 3) release();
      },
    });
    const report = await running;
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['check-started', 'check-started', 'check-started']);
    expect(events.filter((e) => e.type === 'layer-finished').map((e) => e.layer).sort()).toEqual(['dns', 'recipient']);
    expect(report.verdict).toBe('fail');
    expect(report.rootCause?.id).toBe('recipient.c');
  });

  it('turns a thrown error into an error finding that says what could not be checked', async () => {
    const modules: LayerModule[] = [
      {
        layer: 'dns',
        checks: [
          {
            id: 'spf',
            layer: 'dns',
            title: 'SPF record',
            run: () => Promise.reject(new Error('resolver exploded')),
          },
        ],
      },
    ];
    const report = await runDiagnosis(modules, context());
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ id: 'dns.spf', status: 'error' });
    expect(report.findings[0]!.summary).toBe('Could not check SPF record: resolver exploded');
    expect(report.verdict).toBe('error');
  });

  it('times out a check that never finishes, and aborts its signal', async () => {
    let seenSignal: AbortSignal | undefined;
    const modules: LayerModule[] = [
      {
        layer: 'ses',
        checks: [
          {
            id: 'hang',
            layer: 'ses',
            title: 'Hanging check',
            run: (ctx) => {
              seenSignal = ctx.signal;
              return new Promise(() => undefined);
            },
          },
        ],
      },
    ];
    const report = await runDiagnosis(modules, context({ checkTimeoutMs: 20 }));
    expect(report.findings[0]).toMatchObject({ status: 'error' });
    expect(report.findings[0]!.summary).toMatch(/did not finish within 20 ms/);
    expect(seenSignal?.aborted).toBe(true);
  });

  it('skips AWS checks without credentials and layers left out, with a reason', async () => {
    const ran: string[] = [];
    const check = (id: string, layer: Check['layer'], requires?: Check['requires']): Check => ({
      id,
      layer,
      title: id,
      ...(requires ? { requires } : {}),
      async run() {
        ran.push(id);
        return [makeFinding(layer, id, { status: 'pass', title: id, summary: 'ok' })];
      },
    });
    const modules: LayerModule[] = [
      { layer: 'relay', checks: [check('keys', 'relay', ['aws'])] },
      { layer: 'dns', checks: [check('mx', 'dns')] },
      { layer: 'recipient', checks: [check('mx', 'recipient')] },
    ];
    const report = await runDiagnosis(modules, context(), { layers: ['relay', 'dns'] });
    expect(ran).toEqual(['mx']);
    const byId = Object.fromEntries(report.findings.map((f) => [f.id, f]));
    expect(byId['relay.keys']).toMatchObject({ status: 'skipped' });
    expect(byId['relay.keys']!.summary).toMatch(/no AWS credentials/);
    expect(byId['recipient.mx']).toMatchObject({ status: 'skipped' });
    expect(byId['recipient.mx']!.summary).toMatch(/not selected/);
    expect(report.verdict).toBe('pass');
  });

  it('orders findings by severity, then priority (root cause first), then layer', async () => {
    const fixed = (id: string, layer: Check['layer'], status: 'pass' | 'warn' | 'fail', priority?: number): Check => ({
      id,
      layer,
      title: id,
      async run() {
        return [makeFinding(layer, id, { status, title: id, summary: id, ...(priority === undefined ? {} : { priority }) })];
      },
    });
    const modules: LayerModule[] = [
      { layer: 'relay', checks: [fixed('key', 'relay', 'fail', 0)] },
      { layer: 'dns', checks: [fixed('spf', 'dns', 'warn'), fixed('mx', 'dns', 'pass')] },
      { layer: 'recipient', checks: [fixed('ndr', 'recipient', 'fail', 5), fixed('mx', 'recipient', 'fail')] },
    ];
    const report = await runDiagnosis(modules, context());
    expect(report.findings.map((f) => f.id)).toEqual(['relay.key', 'recipient.ndr', 'recipient.mx', 'dns.spf', 'dns.mx']);
    expect(report.layers.find((l) => l.layer === 'dns')).toMatchObject({ status: 'warn', counts: { warn: 1, pass: 1 } });
  });

  it('keeps running when a progress listener throws', async () => {
    const modules: LayerModule[] = [{ layer: 'dns', checks: [gatedCheck('a', 'dns', Promise.resolve())] }];
    const report = await runDiagnosis(modules, context(), {
      onProgress: () => {
        throw new Error('renderer broke');
      },
    });
    expect(report.findings[0]).toMatchObject({ status: 'pass' });
  });
});
