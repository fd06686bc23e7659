import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import pino from 'pino';
import type { AwsGateways } from './aws-ports.js';
import { type Clock, DEFAULT_ENGINE_SETTINGS, type DnsClient, type EngineSettings, type RunContext, type RunCounters, systemClock } from './ports.js';
import type { SmtpProber } from './smtp-ports.js';
import type { Target } from './target.js';

export function newRunId(): string {
  return randomUUID().slice(0, 8);
}

export function newCounters(): RunCounters {
  return { dnsQueries: 0, dnsQueriesDistinct: 0, awsCalls: 0, awsCallsDistinct: 0 };
}

/** A per-run memo: the first caller of a key computes; concurrent and later callers share the promise. */
export function createMemo(): RunContext['memo'] {
  const entries = new Map<string, Promise<unknown>>();
  return <T>(key: string, compute: () => Promise<T>): Promise<T> => {
    let entry = entries.get(key) as Promise<T> | undefined;
    if (!entry) {
      entry = compute();
      entries.set(key, entry);
    }
    return entry;
  };
}

export interface RunContextInit {
  target: Target;
  /** Must already be the per-run caching client (see io/dns `createRunDns`). */
  dns: DnsClient;
  counters?: RunCounters;
  aws?: AwsGateways | undefined;
  smtp?: SmtpProber | undefined;
  settings?: Partial<EngineSettings>;
  clock?: Clock;
  log?: Logger;
  signal?: AbortSignal;
  runId?: string;
}

export function createRunContext(init: RunContextInit): RunContext {
  const runId = init.runId ?? newRunId();
  return {
    runId,
    target: init.target,
    settings: { ...DEFAULT_ENGINE_SETTINGS, ...init.settings },
    dns: init.dns,
    aws: init.aws,
    smtp: init.smtp,
    clock: init.clock ?? systemClock,
    log: (init.log ?? pino({ level: 'silent' })).child({ runId }),
    signal: init.signal ?? new AbortController().signal,
    counters: init.counters ?? newCounters(),
    memo: createMemo(),
  };
}
