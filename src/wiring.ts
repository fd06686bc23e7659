/**
 * Builds the long-lived services from configuration: the one place where adapters are
 * chosen. Front ends call this; tests build services with loopback adapters instead.
 */
import type { Logger } from 'pino';
import { LAYER_MODULES } from './checks/index.js';
import type { EngineConfig } from './config.js';
import { createDnsClient } from './io/dns.js';
import type { DiagnosisServices } from './service.js';

export interface ServiceOverrides {
  dnsServers?: string[];
  awsEndpoint?: string;
}

export function createServices(config: EngineConfig, log: Logger, overrides: ServiceOverrides = {}): DiagnosisServices {
  const servers = overrides.dnsServers && overrides.dnsServers.length > 0 ? overrides.dnsServers : config.dns.servers;
  return {
    modules: LAYER_MODULES,
    dns: createDnsClient({ servers, timeoutMs: config.dns.timeoutMs, tries: 2 }),
    aws: undefined,
    smtp: undefined,
    settings: config.engine,
    log,
  };
}
