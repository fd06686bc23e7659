/**
 * Loaded into the app with `--import` by scripts/bench-floor.ts (never in production): records
 * the wire calls one diagnosis makes through the AWS SDK and the Slack Web API client, one JSON
 * line each, to the file named by MAILDIAG_FLOOR_RECORD. The floor benchmark replays them.
 * Plain JavaScript so the built app (dist/) loads it without a TypeScript loader.
 */
import { appendFileSync } from 'node:fs';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { WebClient } from '@slack/web-api';

const file = process.env.MAILDIAG_FLOOR_RECORD;
if (!file) throw new Error('MAILDIAG_FLOOR_RECORD names no file');
const record = (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`);

// Every SDK client (SESv2, IAM, STS, ...) inherits `send` from the same smithy base class.
const base = Object.getPrototypeOf(SESv2Client.prototype);
const send = base.send;
base.send = function recordedSend(command, ...rest) {
  const client = this.constructor.name;
  void Promise.resolve(this.config.region()).then((region) => record({ kind: 'aws', client, region, command: command.constructor.name, input: command.input }));
  return send.call(this, command, ...rest);
};

const apiCall = WebClient.prototype.apiCall;
WebClient.prototype.apiCall = function recordedApiCall(method, options) {
  record({ kind: 'slack', method, options });
  return apiCall.call(this, method, options);
};
