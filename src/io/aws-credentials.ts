/**
 * Offline detection of AWS credentials, kept apart from the SDK adapters so that deciding
 * whether AWS layers can run never loads the AWS SDK (the CLI's start time depends on it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AwsCredentialDetection {
  available: boolean;
  /** Where they come from, or why none were found (safe to show: never a secret). */
  source: string;
}

/**
 * Fast, offline guess whether the SDK's default chain will find credentials: environment
 * variables, web identity, container credentials, shared config/credentials profiles. It
 * never calls the EC2 instance metadata service (which can hang for seconds off EC2), so an
 * instance role is not detected: set MAILDIAG_AWS=on to force AWS layers on (or off).
 */
export function detectAwsCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentialDetection {
  const forced = env.MAILDIAG_AWS?.trim().toLowerCase();
  if (forced === 'off' || forced === 'false' || forced === '0') return { available: false, source: 'disabled by MAILDIAG_AWS=off' };
  if (forced === 'on' || forced === 'true' || forced === '1') return { available: true, source: 'forced by MAILDIAG_AWS=on (SDK default chain, e.g. an instance role)' };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { available: true, source: env.AWS_SESSION_TOKEN ? 'environment (temporary session credentials)' : 'environment (AWS_ACCESS_KEY_ID)' };
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return { available: true, source: 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)' };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return { available: true, source: 'container credentials (ECS/EKS)' };
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  const home = env.HOME || env.USERPROFILE || homedir();
  const files = [
    { path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), sections: [profile] },
    { path: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), sections: profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`] },
  ];
  for (const file of files) {
    const sections = readIniSections(file.path);
    if (file.sections.some((s) => sections.has(s))) return { available: true, source: `shared profile '${profile}' (${file.path})` };
  }
  return {
    available: false,
    source: 'no AWS credentials in the environment or shared profiles (EC2 instance roles are not probed: set MAILDIAG_AWS=on to use one)',
  };
}

function readIniSections(path: string): Set<string> {
  try {
    if (!existsSync(path)) return new Set();
    const text = readFileSync(path, 'utf8');
    return new Set([...text.matchAll(/^\s*\[([^\]]+)\]\s*$/gm)].map((m) => (m[1] ?? '').trim()));
  } catch {
    return new Set();
  }
}
