/** The composition's run entry: AWS gateways are built only for runs that select an AWS layer. */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type DiagnosisServices, diagnose } from '../../src/compose.js';
import type { AwsGateways } from '../../src/core/aws-ports.js';
import type { AwsCheck, LocalCheck } from '../../src/core/engine.js';
import { makeFinding } from '../../src/core/finding.js';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/core/ports.js';
import { emptyTarget } from '../../src/core/target.js';

// Each check gets the run's gateways through withSignal (its own cancellation); this fake returns itself.
const gateways = { region: 'test', withSignal: () => gateways } as unknown as AwsGateways;

function services(seen: Array<AwsGateways | undefined>): { services: DiagnosisServices; factoryCalls: () => number } {
  let calls = 0;
  const awsCheck: AwsCheck = {
    id: 'keys',
    layer: 'relay',
    title: 'Keys',
    requires: ['aws'],
    async run(ctx) {
      seen.push(ctx.aws);
      return [makeFinding('relay', 'keys', { status: 'pass', title: 'Keys', summary: 'ok' })];
    },
  };
  const dnsCheck: LocalCheck = {
    id: 'mx',
    layer: 'dns',
    title: 'MX',
    async run() {
      return [makeFinding('dns', 'mx', { status: 'pass', title: 'MX', summary: 'ok' })];
    },
  };
  return {
    services: {
      modules: [
        { layer: 'relay', checks: [awsCheck] },
        { layer: 'dns', checks: [dnsCheck] },
      ],
      dns: { resolve: () => Promise.reject(new Error('no DNS here')) },
      aws: async () => {
        calls += 1;
        return gateways;
      },
      smtp: undefined,
      settings: DEFAULT_ENGINE_SETTINGS,
      log: pino({ level: 'silent' }),
    },
    factoryCalls: () => calls,
  };
}

describe('diagnose', () => {
  it('does not build AWS gateways for a run without AWS layers', async () => {
    const seen: Array<AwsGateways | undefined> = [];
    const { services: s, factoryCalls } = services(seen);
    const report = await diagnose(emptyTarget('example.com'), s, { layers: ['dns'] });
    expect(factoryCalls()).toBe(0);
    expect(seen).toEqual([]);
    expect(report.findings.find((f) => f.id === 'dns.mx')?.status).toBe('pass');
  });

  it('hands an AWS check the run\'s gateways, built once per run', async () => {
    const seen: Array<AwsGateways | undefined> = [];
    const { services: s, factoryCalls } = services(seen);
    await diagnose(emptyTarget('example.com'), s);
    expect(factoryCalls()).toBe(1);
    expect(seen).toEqual([gateways]);
  });
});
