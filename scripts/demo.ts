/**
 * `npm run demo`: the canonical scenario of DESIGN.md, end to end, with no Slack workspace,
 * no AWS account and no internet. Loopback peers (DNS, SESv2/IAM/STS endpoint, SES SMTP
 * endpoint, Slack Web API) come from test/support; the app is the real one, composed by
 * src/compose.ts exactly as src/index.ts does, and configured through its environment.
 *
 * It prints what a person would see in Slack, writes each message's Block Kit JSON to
 * demo-output/, and exits non-zero naming the first step that did not produce what it should.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeApp } from '../src/compose.js';
import { loadAppConfig } from '../src/config.js';
import type { Report } from '../src/core/report.js';
import { deriveSmtpPassword } from '../src/knowledge/smtp-password.js';
import { createLogger } from '../src/log.js';
import { APPROVE_ACTION } from '../src/slack/render/approval.js';
import { REQUEST_FIX_ACTION } from '../src/slack/ids.js';
import { WATCH_DIAGNOSE_ACTION } from '../src/watch/render.js';
import {
  type AwsScenario,
  BOUNCE_MESSAGE_ID,
  canonicalScenario,
  ROTATED_KEY_ID,
  SCENARIO_NOW,
  SMTP_USER,
  startAwsEndpoint,
} from '../test/support/aws-endpoint.js';
import { blocksToText } from '../test/support/blockkit-text.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { canonicalZones, RECIPIENT_ADDRESS, SENDER_ADDRESS, SES_REGION } from '../test/support/scenarios/canonical-dns.js';
import { type RecordedCall, startFakeSlackApi } from '../test/support/slack-api.js';
import { appMentionEnvelope, buttonClickPayload, commandFields, createSlackRequester } from '../test/support/slack-requests.js';
import { bounceEvent, EXO_UNKNOWN_RECIPIENT, snsEnvelope } from '../test/support/ses-events.js';
import { startSmtpServer } from '../test/support/smtp-server.js';

const OUTPUT_DIR = 'demo-output';
const STEP_TIMEOUT_MS = 30_000;
const CHANNEL = 'C0SUPPORT';
/** Where the watch posts SES events (MAILDIAG_EVENTS_CHANNEL). */
const EVENTS_CHANNEL = 'C0SESEVENTS';
const EVENTS_QUEUE = 'maildiag-ses-events';
const AGENT = 'U0AGENT';
const BYSTANDER = 'U0OTHER';
const APPROVER = 'U0LEAD';
const BOT_USER_ID = 'U0MAILDIAG';
const TICKET_TS = '1764400000.000100';
const SECRETS = { botToken: 'xoxb-demo-0000000000-DemoBotTokenValue', signingSecret: 'demo-signing-secret-7d1f3a' };

class StepFailed extends Error {}

/** The scenario's dates are fixed for tests; the demo moves them to today so ages read naturally. */
function rebaseDates<T>(value: T, shiftMs: number): T {
  if (value instanceof Date) return new Date(value.getTime() + shiftMs) as T;
  if (Array.isArray(value)) return value.map((item) => rebaseDates(item, shiftMs)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rebaseDates(item, shiftMs)])) as T;
  }
  return value;
}

const out = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};

function expect(condition: unknown, step: string, what: string): asserts condition {
  if (!condition) throw new StepFailed(`${step}: ${what}`);
}

function withTimeout<T>(promise: Promise<T>, step: string, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepFailed(`${step}: timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Json = Record<string, unknown>;

/** Resolves once `condition` holds, checking after each turn of the event loop (no timers as synchronisation). */
async function waitUntil(condition: () => boolean): Promise<boolean> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
  return true;
}

/** Every interactive element in a message's blocks. */
function buttonsOf(call: RecordedCall): Array<{ actionId: string; value: string; text: string }> {
  const found: Array<{ actionId: string; value: string; text: string }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const element = node as Json;
      if (element.type === 'button' && typeof element.action_id === 'string') {
        found.push({ actionId: element.action_id, value: String(element.value ?? ''), text: String((element.text as Json | undefined)?.text ?? '') });
      }
      for (const child of Object.values(element)) visit(child);
    }
  };
  visit(call.args.blocks);
  return found;
}

async function main(): Promise<void> {
  rmSync(OUTPUT_DIR, { recursive: true, force: true });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'maildiag-demo-'));

  // ---------- the world: loopback peers holding the canonical scenario ----------
  const shiftMs = Date.now() - SCENARIO_NOW.getTime();
  const scenario: AwsScenario = rebaseDates(canonicalScenario(), shiftMs);
  const dns = await startDnsServer({ zone: canonicalZones() });
  const aws = await startAwsEndpoint(scenario);
  // Like SES: any active key of the IAM scenario whose derived password matches is accepted.
  const smtp = await startSmtpServer({
    verifyCredential: (username, password) =>
      Object.values(aws.scenario.iamUsers).some((user) =>
        user.keys.some((key) => key.accessKeyId === username && key.status === 'Active' && deriveSmtpPassword(key.secretAccessKey, SES_REGION) === password),
      ),
  });
  const slackApi = await startFakeSlackApi();
  // The SQS queue subscribed to the SES notifications topic (the loopback endpoint speaks SQS too).
  const eventsQueue = aws.sqs.createQueue(EVENTS_QUEUE, { maxReceiveCount: 5 });
  // The queue's clock is a test clock; the demo runs in real time.
  aws.sqs.advance(Date.now() - aws.sqs.now());
  const caPath = join(work, 'smtp-ca.pem');
  writeFileSync(caPath, smtp.ca);

  // The AWS SDK signs requests even for the loopback endpoint: give it throwaway credentials.
  process.env.AWS_ACCESS_KEY_ID = 'AKIADEMOBOT000000001';
  process.env.AWS_SECRET_ACCESS_KEY = 'demo-bot-secret-loopback-only';
  process.env.AWS_REGION = SES_REGION;
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: SECRETS.botToken,
    SLACK_SIGNING_SECRET: SECRETS.signingSecret,
    SLACK_API_URL: slackApi.apiUrl,
    SLACK_BOT_USER_ID: BOT_USER_ID,
    SLACK_BOT_ID: 'B0MAILDIAG',
    MAILDIAG_ALLOWED_CHANNELS: CHANNEL,
    // The agent is an approver too, so step 4a shows the no-self-approval rule for credentials.
    MAILDIAG_APPROVERS: `${APPROVER},${AGENT}`,
    MAILDIAG_DB: join(work, 'maildiag.db'),
    MAILDIAG_REGIONS: SES_REGION,
    MAILDIAG_SMTP_USERS: SMTP_USER,
    MAILDIAG_DNS_SERVERS: dns.address,
    MAILDIAG_SMTP_ENDPOINT: `127.0.0.1:${smtp.port}`,
    MAILDIAG_SMTP_CA: caPath,
    MAILDIAG_AWS: 'on',
    AWS_ENDPOINT_URL: aws.url,
    // The watch: SES events from SQS, grouped and diagnosed into #ses-events.
    MAILDIAG_EVENTS_QUEUE_URL: eventsQueue.url,
    MAILDIAG_EVENTS_CHANNEL: EVENTS_CHANNEL,
    LOG_LEVEL: 'debug',
  };

  const logText: string[] = [];
  const logEvents = new EventEmitter();
  const log = createLogger({
    level: 'debug',
    destination: {
      write(line: string) {
        logText.push(line);
        logEvents.emit('line', JSON.parse(line) as Json);
      },
    },
  });
  const runs = new EventEmitter();
  const composed = await composeApp(loadAppConfig(env), log, {
    env,
    // Verification retries would wait for IAM propagation; the loopback endpoint needs none.
    delay: async () => undefined,
    slack: { onRunFinished: (report) => runs.emit('run', report) },
  });
  const { port } = await composed.start({ port: 0 });
  const slack = createSlackRequester({ url: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRETS.signingSecret });

  const nextRun = (): Promise<Report> => new Promise((resolve) => runs.once('run', resolve));
  const logLine = (predicate: (line: Json) => boolean): Promise<Json> =>
    new Promise((resolve) => {
      const listener = (line: Json): void => {
        if (predicate(line)) {
          logEvents.off('line', listener);
          resolve(line);
        }
      };
      logEvents.on('line', listener);
    });

  let shown = 0;
  let written = 0;
  let password: string | undefined;
  const mask = (text: string): string => (password ? text.split(password).join('•••••••• (the SMTP password: shown to the approver only)') : text);
  /** Prints the Slack calls made since the last step, as a person would see them. */
  const showSlack = (): void => {
    for (const call of slackApi.calls.slice(shown)) {
      if (!['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'views.update', 'response_url'].includes(call.method)) continue;
      const args = call.args;
      const where =
        call.method === 'chat.postEphemeral'
          ? `only visible to <@${String(args.user)}>`
          : call.method.startsWith('views.')
            ? 'a modal, shown only to the user who clicked'
            : call.method === 'response_url'
              ? 'a private reply'
              : `#${String(args.channel)}${args.thread_ts ? ` · in thread ${String(args.thread_ts)}` : ''}`;
      const label = { 'chat.postMessage': 'new message', 'chat.update': 'message updated', 'chat.postEphemeral': 'private reply', 'views.open': 'modal opened', 'views.update': 'modal updated', response_url: 'private reply' }[call.method];
      out(`  ┌─ ${label} (${where})`);
      const view = args.view as Json | undefined;
      const blocks = ((view?.blocks ?? args.blocks ?? []) as Json[]) || [];
      const text = mask(blocksToText(blocks, String(args.text ?? '')));
      for (const line of text.split('\n')) out(`  │ ${line}`);
      out('  └─');
      written += 1;
      const file = join(OUTPUT_DIR, `${String(written).padStart(2, '0')}-${call.method.replace(/\./g, '-')}.json`);
      writeFileSync(file, `${mask(JSON.stringify({ method: call.method, channel: args.channel, thread_ts: args.thread_ts, text: args.text, blocks: view?.blocks ?? args.blocks ?? [] }, null, 2))}\n`);
    }
    shown = slackApi.calls.length;
  };
  const click = async (step: string, user: string, actionId: string, value: string, message: RecordedCall): Promise<void> => {
    const ts = String(message.result?.ts ?? message.args.ts ?? TICKET_TS);
    const response = await slack.interactive(
      buttonClickPayload({
        user,
        channel: CHANNEL,
        messageTs: ts,
        threadTs: String(message.args.thread_ts ?? ts),
        actionId,
        value,
        triggerId: `trigger-${user}-${performance.now()}`,
        responseUrl: slackApi.responseUrl(`click-${user}-${actionId}`),
        messageText: String(message.args.text ?? ''),
      }),
    );
    expect(response.status === 200, step, `the click was answered ${response.status}, not 200`);
  };
  const posted = (): RecordedCall[] => slackApi.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200);
  const findButton = (actionId: string, predicate: (value: string) => Promise<boolean> | boolean) => async () => {
    for (const message of posted().reverse()) {
      for (const button of buttonsOf(message)) {
        if (button.actionId === actionId && (await predicate(button.value))) return { message, value: button.value };
      }
    }
    return undefined;
  };

  try {
    out('maildiag offline demo: the canonical ticket (DESIGN.md), on loopback peers; the watch reads SES events from SQS');
    out(`  DNS ${dns.address} · AWS ${aws.url} · SES SMTP 127.0.0.1:${smtp.port} · Slack Web API ${slackApi.apiUrl} · app http://127.0.0.1:${port}`);
    out(`  approvers: <@${APPROVER}>, <@${AGENT}> (the agent) · bystander: <@${BYSTANDER}> (not an approver)`);

    // ---------- 0. before anyone files a ticket: SES reports the bounce ----------
    let step = 'step 0 (SES event)';
    out(`\n▶ 0. Before any ticket: SES publishes the bounce of ${RECIPIENT_ADDRESS} to SNS, which puts it on the SQS queue the bot watches`);
    const groupPosted = slackApi.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === EVENTS_CHANNEL, 'the group message', STEP_TIMEOUT_MS);
    aws.sqs.send(
      EVENTS_QUEUE,
      snsEnvelope(bounceEvent([{ emailAddress: RECIPIENT_ADDRESS, diagnosticCode: EXO_UNKNOWN_RECIPIENT, status: '5.4.1' }], { source: SENDER_ADDRESS, messageId: BOUNCE_MESSAGE_ID, timestamp: new Date().toISOString() })),
    );
    const group = await withTimeout(groupPosted, step, 'the group message in the events channel');
    showSlack();
    const groupText = blocksToText((group.args.blocks ?? []) as Json[], String(group.args.text ?? ''));
    expect(groupText.includes('recipient-unknown') && groupText.includes('Exchange Online'), step, 'the bounce was not interpreted (recipient-unknown at Exchange Online)');
    expect(groupText.includes(RECIPIENT_ADDRESS), step, 'the suppressed address is not listed');
    expect(await withTimeout(waitUntil(() => eventsQueue.messages.length === 0), step, 'the event to be deleted from the queue'), step, 'the event is still on the queue');
    const diagnoseButton = buttonsOf(group).find((b) => b.actionId === WATCH_DIAGNOSE_ACTION);
    expect(diagnoseButton, step, 'no Diagnose button on the group message');

    out(`\n▶ 0a. <@${AGENT}> clicks Diagnose: the full report goes into the group message's thread`);
    const groupTs = String(group.result?.ts);
    const watchRun = nextRun();
    const clicked = await slack.interactive(
      buttonClickPayload({ user: AGENT, channel: EVENTS_CHANNEL, messageTs: groupTs, actionId: WATCH_DIAGNOSE_ACTION, value: diagnoseButton.value, triggerId: 'trigger-watch', responseUrl: slackApi.responseUrl('click-watch') }),
    );
    expect(clicked.status === 200, step, `the click was answered ${clicked.status}, not 200`);
    const watchReport = await withTimeout(watchRun, step, 'the report in the group thread');
    showSlack();
    expect(watchReport.target.recipients.includes(RECIPIENT_ADDRESS), step, 'the diagnosis did not cover the bounced recipient');
    expect(watchReport.findings.some((f) => f.layer === 'suppression' && f.status === 'fail'), step, 'the suppression was not found');
    expect(posted().filter((c) => c.args.thread_ts === groupTs).length >= 2, step, 'the report did not go into the group message\'s thread');

    out(`\n▶ 0b. <@${AGENT}> types /maildiag watch: what the watch sees, privately`);
    await slack.command(commandFields({ text: 'watch', channel: CHANNEL, user: AGENT, responseUrl: slackApi.responseUrl('watch-status') }));
    const status = await withTimeout(slackApi.waitFor((c) => c.method === 'response_url' && c.responseId === 'watch-status', 'the watch status', STEP_TIMEOUT_MS), step, 'the watch status');
    showSlack();
    expect(status.args.response_type === 'ephemeral', step, 'the watch status was not private');
    expect(/Bounce 1/.test(String(status.args.text)) && /healthy/.test(String(status.args.text)), step, 'the watch status does not show the bounce or the intake health');

    // ---------- 1. the slash command ----------
    step = 'step 1 (/maildiag)';
    const command = `${SENDER_ADDRESS} to=${RECIPIENT_ADDRESS} smtp-user=${ROTATED_KEY_ID}`;
    out(`\n▶ 1. <@${AGENT}> types /maildiag ${command}`);
    const started = performance.now();
    const finished = nextRun();
    const ack = await slack.command(commandFields({ text: command, channel: CHANNEL, user: AGENT, responseUrl: slackApi.responseUrl('cmd-1') }));
    const ackMs = performance.now() - started;
    expect(ack.status === 200, step, `the command was answered ${ack.status}, not 200`);
    const report = await withTimeout(finished, step, 'the report');
    out(`  (acked in ${ackMs.toFixed(0)} ms; report complete in ${(performance.now() - started).toFixed(0)} ms)`);
    showSlack();
    expect(report.verdict === 'fail', step, `verdict ${report.verdict}, expected fail`);
    expect(report.rootCause?.layer === 'relay' && report.rootCause.summary.includes(ROTATED_KEY_ID), step, 'the root cause is not the rotated relay key');
    expect(report.findings.some((f) => f.layer === 'suppression' && f.status === 'fail' && f.remediation?.kind === 'remove-suppression'), step, 'the suppressed recipient was not found');
    expect(report.layers.find((l) => l.layer === 'dns')?.status === 'pass', step, 'DNS authentication should pass in this scenario');
    expect(slackApi.calls.some((c) => c.method === 'chat.update'), step, 'the summary was never updated');

    // ---------- 2. a mention in the ticket thread ----------
    step = 'step 2 (thread mention)';
    out(`\n▶ 2. In the ticket thread, <@${AGENT}> mentions the bot; the thread holds the customer's Gmail error and a pasted NDR`);
    slackApi.setThread(CHANNEL, TICKET_TS, [
      {
        ts: TICKET_TS,
        text: `Customer: three emails I sent as ${SENDER_ADDRESS} to <mailto:${RECIPIENT_ADDRESS}|${RECIPIENT_ADDRESS}> never arrived. Gmail "Send mail as" (server email-smtp.us-east-1.amazonaws.com, username AKIAROTATEDAWAY00001) now says:\n&gt; Authentication failed. Please check your username/password. Server returned error: "535 Authentication Credentials Invalid, code: 535"`,
      },
      {
        ts: '1764400100.000200',
        text: "Agent: the one that went out last month bounced:\n```Delivery has failed to these recipients or groups:\nalice@recipient.example\nRemote server returned '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT053.eop-nam12.prod.protection.outlook.com]'```",
      },
      { ts: '1764400200.000300', text: `<@${BOT_USER_ID}> diagnose` },
    ]);
    const threadRun = nextRun();
    const event = await slack.event(
      appMentionEnvelope({ eventId: 'Ev0DEMO0001', channel: CHANNEL, user: AGENT, text: `<@${BOT_USER_ID}> diagnose`, ts: '1764400200.000300', threadTs: TICKET_TS }),
    );
    expect(event.status === 200, step, `the event was answered ${event.status}, not 200`);
    const threadReport = await withTimeout(threadRun, step, 'the thread report');
    showSlack();
    expect(threadReport.target.recipients.includes(RECIPIENT_ADDRESS), step, 'the recipient was not read from the thread');
    expect(threadReport.target.smtpUsers.includes(ROTATED_KEY_ID), step, 'the SMTP username was not read from the thread');
    expect(threadReport.rootCause?.layer === 'relay', step, 'the root cause is not the relay');
    expect(threadReport.findings.some((f) => f.check === 'replies' && f.layer === 'relay' && f.status === 'fail'), step, 'the Gmail 535 was not read as a relay failure');
    expect(threadReport.findings.some((f) => f.check === 'replies' && f.layer === 'recipient' && f.status === 'fail'), step, 'the Exchange Online 5.4.1 was not read as a recipient failure');
    expect(posted().filter((c) => c.args.thread_ts === TICKET_TS).length >= 2, step, 'the report did not go into the ticket thread');

    // ---------- 3. remove the suppression, behind an approval ----------
    step = 'step 3 (remove suppression)';
    out(`\n▶ 3. <@${AGENT}> clicks "Request fix" on the suppression finding`);
    const offers = composed.store;
    const suppressionFix = await findButton(REQUEST_FIX_ACTION, async (value) => (await offers.get(value))?.request.kind === 'remove-suppression')();
    expect(suppressionFix, step, 'no "Request fix" button for the suppression');
    let handled = logLine((l) => l.msg === 'approval request posted' || l.msg === 'remediation request refused');
    await click(step, AGENT, REQUEST_FIX_ACTION, suppressionFix.value, suppressionFix.message);
    expect((await withTimeout(handled, step, 'the approval request')).msg === 'approval request posted', step, 'the request was refused');
    showSlack();
    const suppressionApproval = await findButton(APPROVE_ACTION, () => true)();
    expect(suppressionApproval, step, 'no Approve button on the approval request');
    const suppressionRequest = suppressionApproval.value;

    out(`\n▶ 3a. <@${BYSTANDER}> (not an approver) clicks Approve`);
    handled = logLine((l) => l.msg === 'approval decision handled' && l.requestId === suppressionRequest && l.user === BYSTANDER);
    await click(step, BYSTANDER, APPROVE_ACTION, suppressionRequest, suppressionApproval.message);
    expect((await withTimeout(handled, step, 'the refusal')).outcome === 'refused', step, 'a non-approver was not refused');
    showSlack();
    expect(aws.callsOf('DeleteSuppressedDestination').length === 0, step, 'the suppression was removed without an approver');

    out(`\n▶ 3b. <@${APPROVER}> (an approver) clicks Approve`);
    handled = logLine((l) => l.msg === 'approval decision handled' && l.requestId === suppressionRequest && l.user === APPROVER);
    await click(step, APPROVER, APPROVE_ACTION, suppressionRequest, suppressionApproval.message);
    expect((await withTimeout(handled, step, 'the removal')).outcome === 'succeeded', step, 'the approved removal did not succeed');
    showSlack();
    expect(aws.callsOf('DeleteSuppressedDestination').length === 1, step, 'DeleteSuppressedDestination was not called exactly once');
    expect(aws.scenario.regions[SES_REGION]?.suppressed[RECIPIENT_ADDRESS] === undefined, step, 'the address is still suppressed');

    // ---------- 4. rotate the SMTP credential, behind an approval ----------
    step = 'step 4 (rotate SMTP credential)';
    out(`\n▶ 4. <@${AGENT}> clicks "Request fix" on the relay credential finding`);
    const rotationFix = await findButton(REQUEST_FIX_ACTION, async (value) => (await offers.get(value))?.request.kind === 'rotate-smtp-credential')();
    expect(rotationFix, step, 'no "Request fix" button for the relay credential');
    handled = logLine((l) => l.msg === 'approval request posted' || l.msg === 'remediation request refused');
    await click(step, AGENT, REQUEST_FIX_ACTION, rotationFix.value, rotationFix.message);
    expect((await withTimeout(handled, step, 'the approval request')).msg === 'approval request posted', step, 'the request was refused');
    showSlack();
    const rotationApproval = await findButton(APPROVE_ACTION, (value) => value !== suppressionRequest)();
    expect(rotationApproval, step, 'no Approve button on the rotation request');
    const rotationRequest = rotationApproval.value;

    out(`\n▶ 4a. <@${AGENT}>, an approver too, tries to approve their own credential rotation`);
    handled = logLine((l) => l.msg === 'approval decision handled' && l.requestId === rotationRequest && l.user === AGENT);
    await click(step, AGENT, APPROVE_ACTION, rotationRequest, rotationApproval.message);
    expect((await withTimeout(handled, step, 'the refusal')).outcome === 'refused', step, 'the requester approved their own rotation');
    showSlack();
    expect(aws.callsOf('CreateAccessKey').length === 0, step, 'a key was created without an approver');

    out(`\n▶ 4b. <@${APPROVER}> approves: the new key is created, its SMTP password shown only to them, and verified`);
    const keysBefore = new Set(aws.scenario.iamUsers[SMTP_USER]?.keys.map((k) => k.accessKeyId));
    handled = logLine((l) => l.msg === 'approval decision handled' && l.requestId === rotationRequest && l.user === APPROVER);
    await click(step, APPROVER, APPROVE_ACTION, rotationRequest, rotationApproval.message);
    expect((await withTimeout(handled, step, 'the rotation')).outcome === 'succeeded', step, 'the approved rotation did not succeed');
    const newKey = aws.scenario.iamUsers[SMTP_USER]?.keys.find((k) => !keysBefore.has(k.accessKeyId));
    expect(newKey, step, 'no new access key was created');
    password = deriveSmtpPassword(newKey.secretAccessKey, SES_REGION);
    showSlack();
    expect(aws.callsOf('CreateAccessKey').length === 1, step, 'CreateAccessKey was not called exactly once');
    expect(smtp.sessions.some((s) => s.auths.some((a) => a.username === newKey.accessKeyId && a.accepted)), step, 'the new credential was not verified with SMTP AUTH');
    expect(smtp.messages.some((m) => m.to.includes('success@simulator.amazonses.com')), step, 'no test message went to the SES mailbox simulator');

    // ---------- 5. where did the secret go? ----------
    step = 'step 5 (secret handling)';
    out('\n▶ 5. Where the new SMTP password and secret key appeared');
    const secrets = [password, newKey.secretAccessKey];
    const carrying = slackApi.calls.filter((c) => secrets.some((s) => JSON.stringify(c.args).includes(s)));
    expect(carrying.length > 0 && carrying.every((c) => c.method === 'views.update' || c.method === 'views.open'), step, `the secret reached ${carrying.map((c) => c.method).join(', ') || 'no call at all'}`);
    expect(!secrets.some((s) => logText.join('').includes(s)), step, 'the secret appears in a log line');
    expect(!secrets.some((s) => JSON.stringify(aws.calls.map((c) => c.params)).includes(s)), step, 'the secret was sent in an AWS request');
    out(`  the password appeared in ${carrying.length} Slack call(s), all of them the approver's modal (${[...new Set(carrying.map((c) => c.method))].join(', ')});`);
    out(`  in no channel message, no private reply, none of the ${logText.length} log lines, and no AWS request.`);

    out(`\n✓ demo complete: every step produced what it should. Block Kit JSON of ${written} messages in ${OUTPUT_DIR}/ (paste into https://app.slack.com/block-kit-builder).`);
  } finally {
    await composed.stop({ drainMs: 5_000 });
    await Promise.all([dns.close(), aws.close(), smtp.close(), slackApi.close()]);
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`\n✗ demo failed at ${error instanceof StepFailed ? error.message : `an unexpected error: ${String(error)}`}\n`);
    process.exitCode = 1;
  },
);
