import { isIP } from 'node:net';
import type { AwsCheck } from '../../core/engine.js';
import { type EvidenceItem, type Finding, makeFinding } from '../../core/finding.js';
import { DnsLookupError, type RunContext } from '../../core/ports.js';
import { sesSmtpEndpoint, type SmtpProbeResult } from '../../core/smtp-ports.js';
import { relayRegionOf } from '../ses/common.js';
import { interpretRelayReply } from './replies.js';

const LAYER = 'relay';
const CHECK = 'smtp-endpoint';
const TITLE = 'SES SMTP endpoint';

/**
 * An endpoint probe that could not run is an `error` of this check, sorted after every other
 * finding of its status: it says nothing about the relay, only about the bot's own network.
 */
const PROBE_ERROR_PRIORITY = 95;

function probeEvidence(result: SmtpProbeResult, endpoint: { host: string; port: number }): EvidenceItem[] {
  const tls = result.tls;
  return [
    { label: 'endpoint', value: result.host === endpoint.host ? `${endpoint.host}:${endpoint.port}` : `${endpoint.host}:${endpoint.port} (${result.host})`, code: true },
    ...(result.banner ? [{ label: 'banner', value: `${result.banner.code} ${result.banner.text}`, code: true }] : []),
    ...(result.extensionsBeforeTls.length > 0 ? [{ label: 'EHLO', value: result.extensionsBeforeTls.join(' '), code: true }] : []),
    ...(tls
      ? [
          { label: 'TLS', value: `${tls.protocol ?? '?'} ${tls.cipher ?? '?'}, certificate ${tls.authorized ? 'trusted' : `not trusted (${tls.authorizationError ?? '?'})`}`, code: true },
          ...(tls.certificate
            ? [{ label: 'certificate', value: `subject ${tls.certificate.subject ?? '?'}, issuer ${tls.certificate.issuer ?? '?'}, valid to ${tls.certificate.validTo}`, code: true }]
            : []),
        ]
      : []),
    ...(result.extensionsAfterTls.length > 0 ? [{ label: 'EHLO after STARTTLS', value: result.extensionsAfterTls.join(' '), code: true }] : []),
    ...(result.auth ? [{ label: `AUTH ${result.auth.mechanism} as ${result.auth.username}`, value: `${result.auth.reply.code} ${result.auth.reply.text}`, code: true }] : []),
    { label: 'transcript', value: result.transcript, code: true },
  ];
}

/** Connects to the relay's SES SMTP endpoint; authenticates only with a credential the bot holds. */
export const smtpEndpointCheck: AwsCheck = {
  id: CHECK,
  layer: LAYER,
  title: TITLE,
  // The probe itself needs no AWS call, but it belongs to the AWS relay diagnosis (registry contract).
  requires: ['aws'],
  async run(ctx) {
    const region = relayRegionOf(ctx);
    const endpoint = ctx.settings.smtpEndpoint ?? sesSmtpEndpoint(region);
    if (!ctx.smtp) {
      return [
        makeFinding(LAYER, CHECK, {
          id: region,
          status: 'skipped',
          title: TITLE,
          summary: `The SMTP probe is off, so ${endpoint.host}:${endpoint.port} was not contacted.`,
          fix: 'Enable the SMTP probe to check the endpoint and (with a credential) authentication.',
        }),
      ];
    }
    const address = await resolveEndpoint(ctx, endpoint.host);
    if (typeof address !== 'string') return [dnsErrorFinding(region, endpoint, address)];
    const result = await ctx.smtp.probe({
      host: address,
      port: endpoint.port,
      region,
      signal: ctx.signal,
      ...(address !== endpoint.host ? { servername: endpoint.host } : {}),
    });
    const evidence = probeEvidence(result, endpoint);
    if (result.failedStage) {
      return [
        makeFinding(LAYER, CHECK, {
          id: region,
          status: 'error',
          priority: PROBE_ERROR_PRIORITY,
          title: TITLE,
          summary: `Could not check ${endpoint.host}:${endpoint.port}: the probe stopped at ${result.failedStage} (${result.error ?? 'no detail'}).`,
          evidence,
          explanation: 'The bot could not complete the SMTP and TLS handshake, so the endpoint is neither confirmed healthy nor broken from here.',
          fix:
            result.failedStage === 'connect'
              ? `Check that the bot can reach ${endpoint.host} on port ${endpoint.port} (outbound firewall, proxy).`
              : 'Retry; if it persists, compare with `openssl s_client -starttls smtp -connect host:587` from the same network.',
        }),
      ];
    }
    const tlsText = `${result.tls?.protocol ?? 'TLS'} (${result.tls?.cipher ?? '?'})`;
    if (!result.auth) {
      return [
        makeFinding(LAYER, CHECK, {
          id: region,
          status: 'pass',
          title: TITLE,
          summary: `${endpoint.host}:${endpoint.port} answers, offers STARTTLS and negotiated ${tlsText}; AUTH was not tried because the bot holds no SMTP password.`,
          evidence,
          explanation: 'The endpoint the relay uses is reachable and speaks TLS; whether the relay\'s credential works is judged from IAM (see the credentials finding).',
        }),
      ];
    }
    const meaning = interpretRelayReply(result.auth.reply, { region, username: result.auth.username });
    return [
      makeFinding(LAYER, CHECK, {
        id: region,
        status: meaning.status,
        ...(meaning.status === 'pass' ? {} : { priority: meaning.priority }),
        title: TITLE,
        summary: `AUTH as ${result.auth.username} at ${endpoint.host}:${endpoint.port} over ${tlsText}: ${result.auth.reply.code} ${result.auth.reply.text}.`,
        evidence,
        explanation: meaning.meaning,
        fix: meaning.fix,
      }),
    ];
  },
};

/**
 * The endpoint's address through the run's DNS client (the configured servers, cached and
 * counted like every other name), never the system resolver. IP literals and `localhost`
 * (RFC 6761: resolved locally) are used as they are.
 */
async function resolveEndpoint(ctx: RunContext, host: string): Promise<string | DnsLookupError> {
  if (isIP(host) !== 0 || host.toLowerCase() === 'localhost') return host;
  try {
    const [first] = await ctx.dns.resolve(host, 'A');
    if (first) return first;
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    if (!error.isVoid) return error;
  }
  try {
    const [first] = await ctx.dns.resolve(host, 'AAAA');
    if (first) return first;
    return new DnsLookupError('NODATA', host, 'AAAA');
  } catch (error) {
    if (error instanceof DnsLookupError) return error;
    throw error;
  }
}

function dnsErrorFinding(region: string, endpoint: { host: string; port: number }, error: DnsLookupError): Finding {
  return makeFinding(LAYER, CHECK, {
    id: region,
    status: 'error',
    priority: PROBE_ERROR_PRIORITY,
    title: TITLE,
    summary: `Could not check ${endpoint.host}:${endpoint.port}: ${error.message}.`,
    evidence: [
      { label: 'endpoint', value: `${endpoint.host}:${endpoint.port}`, code: true },
      { label: 'failed query', value: `${error.queryType} ${error.queryName}: ${error.dnsCode}`, code: true },
    ],
    explanation: 'The bot could not resolve the SES SMTP endpoint through its DNS servers, so it did not connect; this says nothing about the relay itself.',
    fix: error.isVoid
      ? `Check the region (${region}) and the DNS servers the bot uses (MAILDIAG_DNS_SERVERS or --dns-server).`
      : 'Retry; if it persists, check the DNS servers the bot uses (MAILDIAG_DNS_SERVERS or --dns-server).',
  });
}
