import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_OPERATION_ACTIONS, DIAGNOSIS_OPERATIONS, OTHER_AWS_ACTIONS } from '../../src/io/aws.js';
import { accessDeniedScenario, canonicalScenario, RECIPIENT, ROTATED_KEY_ID, SENDER, SMTP_USER, startAwsEndpoint } from '../support/aws-endpoint.js';
import { runAwsLayers } from '../support/aws-run.js';

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string | string[];
}
interface PolicyDoc {
  diagnosis: { Statement: Statement[] };
  watch: { Statement: Statement[] };
  remediation: { Statement: Statement[] };
}

const policy = JSON.parse(readFileSync(new URL('../../docs/iam-policy.json', import.meta.url), 'utf8')) as PolicyDoc;
const actionsOf = (part: { Statement: Statement[] }) => new Set(part.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('docs/iam-policy.json', () => {
  it('allows every read-only action the diagnosis calls, and nothing that writes', () => {
    const diagnosis = actionsOf(policy.diagnosis);
    for (const operation of DIAGNOSIS_OPERATIONS) expect(diagnosis).toContain(AWS_OPERATION_ACTIONS[operation]);
    for (const action of diagnosis) expect(action).toMatch(/^(ses|iam):(Get|List|Simulate)/);
  });

  it('keeps remediation separate and limits key rotation to named users', () => {
    const remediation = actionsOf(policy.remediation);
    expect([...remediation].sort()).toEqual([
      'iam:CreateAccessKey',
      'iam:DeleteAccessKey',
      'iam:UpdateAccessKey',
      'secretsmanager:PutSecretValue',
      'ses:DeleteSuppressedDestination',
      'sts:AssumeRole',
    ]);
    for (const statement of policy.remediation.Statement.filter((s) => !s.Action.includes('ses:DeleteSuppressedDestination'))) {
      expect([statement.Resource].flat().some((arn) => arn === '*')).toBe(false);
    }
    const iamStatement = policy.remediation.Statement.find((s) => s.Action.includes('iam:CreateAccessKey'));
    expect([iamStatement?.Resource].flat().every((arn) => /^arn:aws:iam::[A-Z_0-9]+:user\/[^*]+$/.test(String(arn)))).toBe(true);
  });

  it('gives the watch exactly its read-and-consume actions, the queue actions on one queue', () => {
    expect([...actionsOf(policy.watch)].sort()).toEqual(['ses:ListEmailIdentities', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    const sqs = policy.watch.Statement.find((s) => s.Action.includes('sqs:ReceiveMessage'));
    expect([sqs?.Resource].flat().every((arn) => /^arn:aws:sqs:[A-Z_]+:[A-Z_0-9]+:[\w-]+$/.test(String(arn)))).toBe(true);
  });

  it('covers every SDK command the source code sends', () => {
    const all = new Set([...actionsOf(policy.diagnosis), ...actionsOf(policy.watch), ...actionsOf(policy.remediation)]);
    const sources = sourceFiles(new URL('../../src', import.meta.url).pathname).map((file) => readFileSync(file, 'utf8'));
    const commands = new Set(sources.flatMap((text) => [...text.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!)));
    expect(commands.size).toBeGreaterThan(10);
    for (const command of commands) {
      const action = (AWS_OPERATION_ACTIONS as Record<string, string>)[command] ?? OTHER_AWS_ACTIONS[command];
      expect(action, `${command} has no IAM action mapping`).toBeDefined();
      expect(all, `${action} missing from docs/iam-policy.json`).toContain(action);
    }
  });

  it('covers every call a full diagnosis sends on the wire', async () => {
    const endpoint = await startAwsEndpoint(canonicalScenario());
    try {
      endpoint.scenario.regions['us-east-1']!.account.productionAccessEnabled = false;
      await runAwsLayers({ endpoint, input: `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`, settings: { smtpUsers: [SMTP_USER] } });
      const diagnosis = actionsOf(policy.diagnosis);
      const sent = new Set(endpoint.calls.map((c) => `${c.service}:${c.operation}`));
      expect(sent.size).toBeGreaterThanOrEqual(8);
      for (const action of sent) expect(diagnosis).toContain(action);
    } finally {
      await endpoint.close();
    }
  });

  it('names, for AccessDenied, exactly the actions listed in the policy', async () => {
    const endpoint = await startAwsEndpoint(accessDeniedScenario());
    try {
      const { report } = await runAwsLayers({ endpoint, input: `${SENDER} to=${RECIPIENT} smtp-user=${ROTATED_KEY_ID}`, settings: { smtpUsers: [SMTP_USER] } });
      const named = report.findings.flatMap((f) => f.evidence.filter((e) => e.label === 'IAM action the bot lacks').map((e) => String(e.value)));
      expect(named.length).toBeGreaterThan(0);
      for (const action of named) expect(actionsOf(policy.diagnosis)).toContain(action);
    } finally {
      await endpoint.close();
    }
  });
});
