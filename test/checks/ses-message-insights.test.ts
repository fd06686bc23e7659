import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BOUNCE_MESSAGE_ID,
  accessDeniedScenario,
  canonicalScenario,
  EXO_DIAGNOSTIC,
  RECIPIENT,
  SENDER,
  sandboxScenario,
  startAwsEndpoint,
  type TestAwsEndpoint,
} from '../support/aws-endpoint.js';
import { findingById, runAwsLayers } from '../support/aws-run.js';

const OTHER_MESSAGE_ID = '0100018f3c2a1b2c-7d8e9f00-9999-2222-3333-444455556666-000000';

let endpoint: TestAwsEndpoint;
beforeAll(async () => {
  endpoint = await startAwsEndpoint(canonicalScenario());
});
afterAll(() => endpoint.close());
beforeEach(() => endpoint.reset(canonicalScenario()));

const run = (input: string) => runAwsLayers({ endpoint, input, layers: ['ses'] });

describe('SES message insights', () => {
  it('shows what happened to a named message, quoting the bounce reply', async () => {
    const { report } = await run(`${SENDER} to=${RECIPIENT} message-id=${BOUNCE_MESSAGE_ID}`);
    const finding = findingById(report, `ses.message:${BOUNCE_MESSAGE_ID}`);
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe(`Message ${BOUNCE_MESSAGE_ID}: ${RECIPIENT}: hard bounce.`);
    const events = finding.evidence.find((e) => e.label.startsWith(RECIPIENT))?.value;
    expect(events).toEqual(expect.arrayContaining([expect.stringContaining(EXO_DIAGNOSTIC)]));
    expect(endpoint.callsOf('GetMessageInsights')).toHaveLength(1);
  });

  it('says where it looked when SES has no insights for the id', async () => {
    const { report } = await run(`${SENDER} message-id=${OTHER_MESSAGE_ID}`);
    const finding = findingById(report, `ses.message:${OTHER_MESSAGE_ID}`);
    expect(finding).toMatchObject({ status: 'info', summary: `SES has no insights for message ${OTHER_MESSAGE_ID} in us-east-1.` });
  });

  it('does not call GetMessageInsights where VDM is off, and says so', async () => {
    endpoint.reset(sandboxScenario());
    const { report } = await run(`${SENDER} message-id=${BOUNCE_MESSAGE_ID}`);
    const finding = findingById(report, `ses.message:${BOUNCE_MESSAGE_ID}`);
    expect(finding.evidence).toContainEqual({ label: 'VDM off in', value: 'us-east-1' });
    expect(finding.fix).toMatch(/Virtual Deliverability Manager/);
    expect(endpoint.callsOf('GetMessageInsights')).toHaveLength(0);
  });

  it('is skipped, saying how to give one, without a message id', async () => {
    const { report } = await run(`${SENDER}`);
    expect(findingById(report, 'ses.message')).toMatchObject({ status: 'skipped' });
  });

  it('reports AccessDenied as "could not check", not as a missing message', async () => {
    endpoint.reset(accessDeniedScenario());
    const { report } = await run(`${SENDER} message-id=${BOUNCE_MESSAGE_ID}`);
    expect(findingById(report, `ses.message:${BOUNCE_MESSAGE_ID}`).status).toBe('error');
  });
});
