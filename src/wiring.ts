/**
 * Builds the long-lived services from configuration: the one place where adapters are
 * chosen. Front ends call this; tests build services with loopback adapters instead.
 */
import type { Logger } from 'pino';
import { LAYER_MODULES } from './checks/index.js';
import type { EngineConfig } from './config.js';
import { createAwsGateways, detectAwsCredentials } from './io/aws.js';
import { createDnsClient } from './io/dns.js';
import { createSmtpProber } from './io/smtp-probe.js';
import type { DiagnosisServices } from './service.js';

export interface ServiceOverrides {
  dnsServers?: string[];
  awsEndpoint?: string;
}

export interface AwsAvailability {
  available: boolean;
  /** Where credentials come from, or why there are none (never a secret). */
  source: string;
  /** True when AWS was switched off on purpose (MAILDIAG_AWS=off): nobody needs telling. */
  deliberate?: boolean;
}

/** Whether the AWS layers can run: MAILDIAG_AWS forces it; `auto` looks without calling IMDS. */
export function awsAvailability(config: EngineConfig, env: Record<string, string | undefined>): AwsAvailability {
  if (config.aws.mode === 'off') return { available: false, source: 'disabled by MAILDIAG_AWS=off', deliberate: true };
  if (config.aws.mode === 'on') return { available: true, source: 'MAILDIAG_AWS=on (the SDK default provider chain)' };
  return detectAwsCredentials(env as NodeJS.ProcessEnv);
}

export function createServices(
  config: EngineConfig,
  log: Logger,
  overrides: ServiceOverrides = {},
  env: Record<string, string | undefined> = process.env,
): DiagnosisServices & { awsSource: string } {
  const servers = overrides.dnsServers && overrides.dnsServers.length > 0 ? overrides.dnsServers : config.dns.servers;
  const aws = awsAvailability(config, env);
  const endpoint = overrides.awsEndpoint ?? config.aws.endpoint;
  log.debug({ aws: aws.source }, 'AWS credentials');
  return {
    modules: LAYER_MODULES,
    dns: createDnsClient({ servers, timeoutMs: config.dns.timeoutMs, tries: 2 }),
    // Clients come from the process-wide pool (one per region); the SDK logs through pino.
    aws: aws.available ? (counters, signal) => createAwsGateways({ ...(endpoint ? { endpoint } : {}), logger: log }, counters, signal) : undefined,
    awsSource: aws.source,
    awsOffOnPurpose: aws.deliberate === true,
    smtp: createSmtpProber({ timeoutMs: config.smtp.timeoutMs, ...(config.smtp.ca ? { tls: { ca: config.smtp.ca } } : {}) }),
    settings: config.engine,
    log,
  };
}
