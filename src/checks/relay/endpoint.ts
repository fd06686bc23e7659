import type { AwsCheck } from '../../core/engine.js';
import { type EvidenceItem, makeFinding } from '../../core/finding.js';
import { sesSmtpEndpoint, type SmtpProbeResult } from '../../core/smtp-ports.js';
import { relayRegionOf } from '../ses/common.js';
import { interpretRelayReply } from './replies.js';

const LAYER = 'relay';
const CHECK = 'smtp-endpoint';
const TITLE = 'SES SMTP endpoint';

function probeEvidence(result: SmtpProbeResult): EvidenceItem[] {
  const tls = result.tls;
  return [
    { label: 'endpoint', value: `${result.host}:${result.port}`, code: true },
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
    const result = await ctx.smtp.probe({ host: endpoint.host, port: endpoint.port, region, signal: ctx.signal });
    const evidence = probeEvidence(result);
    if (result.failedStage) {
      return [
        makeFinding(LAYER, CHECK, {
          id: region,
          status: 'error',
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
