/**
 * A recipient suppressed for COMPLAINT is not a bounce (SESv2 GetSuppressedDestination Reason
 * COMPLAINT: the recipient marked a message as spam). Removal must wait until the recipient has
 * asked to receive mail again: the finding's fix says so, its evidence shows the complaint SES
 * recorded (GetMessageInsights), and the approval message shows the reason before Approve.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOUNCE_MESSAGE_ID, healthyScenario, RECIPIENT, SENDER } from '../support/aws-endpoint.js';
import { findingById, runAwsLayers } from '../support/aws-run.js';
import type { RecordedCall } from '../support/slack-api.js';
import { type ApprovalApp, type ApprovalWorld, REQUESTER, startApprovalApp, startWorld } from './support/approval-harness.js';

function complaintScenario() {
  const scenario = healthyScenario();
  const region = scenario.regions['us-east-1']!;
  const at = new Date('2026-02-20T09:30:00Z');
  region.suppressed[RECIPIENT] = { reason: 'COMPLAINT', lastUpdateTime: at, messageId: BOUNCE_MESSAGE_ID, feedbackId: '0100018f-feedback-0001' };
  region.insights[BOUNCE_MESSAGE_ID] = {
    fromEmailAddress: SENDER,
    subject: 'Monthly newsletter',
    destinations: [
      {
        destination: RECIPIENT,
        isp: 'Microsoft',
        events: [
          { timestamp: at, type: 'DELIVERY' },
          { timestamp: at, type: 'COMPLAINT', complaint: { complaintFeedbackType: 'abuse', complaintSubType: 'OnAccountSuppressionList' } },
        ],
      },
    ],
  };
  return scenario;
}

let world: ApprovalWorld;
let app: ApprovalApp | undefined;
beforeEach(async () => {
  world = await startWorld(complaintScenario());
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await world.close();
});

describe('an address suppressed for a complaint', () => {
  it('the finding shows the complaint and says to wait for the recipient to opt in again', async () => {
    const { report } = await runAwsLayers({ endpoint: world.aws, input: `${SENDER} to=${RECIPIENT}`, layers: ['suppression'] });
    const listed = findingById(report, `suppression.listed:${RECIPIENT}:us-east-1`);
    expect(listed.summary).toContain('reason COMPLAINT');
    const evidence = listed.evidence.map((e) => `${e.label}: ${[e.value].flat().join(' ')}`).join('\n');
    expect(evidence).toContain('GetMessageInsights complaint: COMPLAINT, feedback type abuse');
    expect(evidence).not.toMatch(/no bounce event/);
    expect(listed.explanation).toContain('marked a message as spam');
    expect(listed.fix).toMatch(/^Do not remove alice@recipient\.example until its recipient has asked to receive mail again/);
    expect(listed.remediation).toEqual({ kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1', reason: 'COMPLAINT' });
  });

  it('the approval message shows the reason and the opt-in condition before the Approve button', async () => {
    app = await startApprovalApp(world);
    const offer = await app.offer({ kind: 'remove-suppression', email: RECIPIENT, region: 'us-east-1', reason: 'COMPLAINT' });
    await app.requestFix(offer.id, REQUESTER);
    const posted = await app.harness.slack.waitFor((c: RecordedCall) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes('Approval needed'), 'approval message');
    const blocks = JSON.stringify(posted.args.blocks);
    const reasonAt = blocks.indexOf('COMPLAINT (the recipient marked a message as spam)');
    const conditionAt = blocks.indexOf('Approve only once the recipient has asked to receive mail again');
    const buttonAt = blocks.indexOf('maildiag.approve');
    expect(reasonAt).toBeGreaterThan(-1);
    expect(conditionAt).toBeGreaterThan(-1);
    expect(reasonAt).toBeLessThan(buttonAt);
    expect(conditionAt).toBeLessThan(buttonAt);
    expect(world.aws.callsOf('DeleteSuppressedDestination')).toHaveLength(0);
  });
});
