/**
 * One loopback peer in a process of its own, for the burst benchmark (scripts/bench-burst.ts):
 * `dns`, `aws`, `smtp` or `slack`. Started with `fork` (IPC channel); it sends
 * `{ type: 'ready', ... }` with its address, and the Slack peer forwards every recorded Web
 * API call as `{ type: 'slack-call', ... }` with its epoch time, so the benchmark times final
 * summaries without sharing a process (or an event loop) with the app or with the sender.
 */
import { canonicalScenario, startAwsEndpoint } from '../test/support/aws-endpoint.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { canonicalZones } from '../test/support/scenarios/canonical-dns.js';
import type { Block } from '../src/slack/render/blocks.js';
import { startFakeSlackApi } from '../test/support/slack-api.js';
import { startSmtpServer } from '../test/support/smtp-server.js';

export type PeerKind = 'dns' | 'aws' | 'smtp' | 'slack';

export type PeerMessage =
  | { type: 'ready'; kind: 'dns'; address: string }
  | { type: 'ready'; kind: 'aws'; url: string }
  | { type: 'ready'; kind: 'smtp'; host: string; port: number; ca: string }
  | { type: 'ready'; kind: 'slack'; apiUrl: string; responseUrlBase: string }
  | { type: 'slack-call'; method: string; channel: string | undefined; blockId: string | undefined; threadTs: string | undefined; text: string; epochMs: number };

const kind = process.argv[2] as PeerKind | undefined;
const latency = Number(process.argv[3] ?? '0');
const send = (message: PeerMessage): void => {
  process.send?.(message);
};

async function main(): Promise<void> {
  switch (kind) {
    case 'dns': {
      const dns = await startDnsServer({ zone: canonicalZones(), latencyMs: latency });
      send({ type: 'ready', kind: 'dns', address: dns.address });
      return;
    }
    case 'aws': {
      const scenario = canonicalScenario();
      scenario.faults.latencyMs = latency;
      const aws = await startAwsEndpoint(scenario);
      send({ type: 'ready', kind: 'aws', url: aws.url });
      return;
    }
    case 'smtp': {
      const smtp = await startSmtpServer({ replyLatencyMs: latency });
      send({ type: 'ready', kind: 'smtp', host: smtp.host, port: smtp.port, ca: smtp.ca });
      return;
    }
    case 'slack': {
      const slack = await startFakeSlackApi();
      send({ type: 'ready', kind: 'slack', apiUrl: slack.apiUrl, responseUrlBase: slack.responseUrl('') });
      // Forward calls as they are recorded; each carries the time the peer received it.
      let forwarded = 0;
      setInterval(() => {
        for (; forwarded < slack.calls.length; forwarded += 1) {
          const call = slack.calls[forwarded]!;
          const blocks = call.args.blocks as Block[] | undefined;
          send({
            type: 'slack-call',
            method: call.method === 'response_url' ? 'response_url' : call.method,
            channel: typeof call.args.channel === 'string' ? call.args.channel : call.responseId,
            blockId: blocks?.[0]?.block_id,
            threadTs: typeof call.args.thread_ts === 'string' ? call.args.thread_ts : undefined,
            text: String(call.args.text ?? ''),
            epochMs: performance.timeOrigin + call.at,
          });
        }
      }, 5);
      return;
    }
    default:
      throw new Error(`unknown peer '${String(kind)}' (dns, aws, smtp or slack)`);
  }
}

await main();
// Ends with the benchmark: the IPC channel closes when the parent exits or disconnects.
process.on('disconnect', () => process.exit(0));
