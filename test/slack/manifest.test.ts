/**
 * manifest.yml against Slack's app manifest schema, and against the code: the command,
 * shortcut and event it declares are the ones the listeners handle, and its scopes are
 * exactly those docs/slack.md justifies. .env.example lists every variable config.ts reads.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DIAGNOSE_THREAD_SHORTCUT, SLASH_COMMAND } from '../../src/slack/ids.js';
import { conformancePath, hasConformance } from '../support/conformance.js';

const SCHEMA = 'slack/manifest.schema.1.0.0.json';
const schemaAvailable = hasConformance(SCHEMA);
const readSchema = (): Record<string, unknown> => JSON.parse(readFileSync(conformancePath(SCHEMA), 'utf8')) as Record<string, unknown>;

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface Manifest {
  features: { slash_commands: Array<{ command: string }>; shortcuts: Array<{ callback_id: string; type: string }> };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean } };
}

describe('manifest.yml', () => {
  const manifest = parse(read('manifest.yml')) as Manifest;

  // Without ../shared (a clone elsewhere) the schema tests skip: the schema is slackapi/manifest-schema's.
  const withSchema = schemaAvailable ? it : it.skip;
  if (!schemaAvailable) console.log(`manifest schema tests skipped: ${conformancePath(SCHEMA)} not found (slackapi/manifest-schema, via ../shared/conformance/slack; set MAILDIAG_CONFORMANCE_DIR)`);

  withSchema("validates against Slack's manifest schema", () => {
    const schema = readSchema();
    // The schema uses a non-standard `regex` keyword; declare it so strict mode accepts it.
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares what the listeners handle', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([SLASH_COMMAND]);
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ callback_id: DIAGNOSE_THREAD_SHORTCUT, type: 'message' })]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_mention']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('asks only for the scopes docs/slack.md justifies', () => {
    const docs = read('docs/slack.md');
    const justified = [...docs.matchAll(/^\| `([a-z_:.]+)` \|/gm)].map((m) => m[1]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...justified].sort());
  });

  withSchema('breaks the schema when a field is wrong (the validation can fail)', () => {
    const schema = readSchema();
    const validate = new Ajv({ strict: false }).compile(schema);
    const broken = structuredClone(manifest) as unknown as { features: { shortcuts: Array<Record<string, unknown>> } };
    broken.features.shortcuts[0]!.type = 'everywhere';
    expect(validate(broken)).toBe(false);
  });
});

describe('.env.example', () => {
  it('lists every variable src/config.ts and src/engine-config.ts read, each with a comment above it', () => {
    const fields = /^\s+([A-Z][A-Z0-9_]+): (?:z\b|zodField|positiveInt|hostPort|caFile|oneOf|url|regions|dnsServers|\(value)/gm;
    const engine = [...read('src/engine-config.ts').matchAll(fields)].map((m) => m[1]!);
    expect(engine).toContain('MAILDIAG_DNS_SERVERS');
    expect(engine).toContain('LOG_LEVEL');
    const variables = [...engine, ...[...read('src/config.ts').matchAll(fields)].map((m) => m[1]!)];
    expect(variables.length).toBeGreaterThan(30);
    const lines = read('.env.example').split('\n');
    for (const variable of variables) {
      const index = lines.findIndex((line) => line.startsWith(`${variable}=`));
      expect(index, variable).toBeGreaterThan(0);
      expect(lines[index - 1]?.startsWith('#'), `${variable} has a comment`).toBe(true);
    }
  });
});
