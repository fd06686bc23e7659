/**
 * Lists the SES identities of a region (SESv2 ListEmailIdentities, paginated) for the
 * scheduled audit. One client per region, built once per process.
 */
import { ListEmailIdentitiesCommand, SESv2Client } from '@aws-sdk/client-sesv2';

export interface ListedIdentity {
  name: string;
  /** EMAIL_ADDRESS | DOMAIN | MANAGED_DOMAIN */
  type: string | undefined;
  verificationStatus: string | undefined;
  sendingEnabled: boolean;
}

export type IdentityLister = (region: string, signal?: AbortSignal) => Promise<ListedIdentity[]>;

/** An audit looks at this many identities per region at most; the rest are reported as left out. */
export const MAX_IDENTITIES_PER_REGION = 500;

export function createIdentityLister(options: { endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string }; maxAttempts?: number } = {}): IdentityLister {
  const clients = new Map<string, SESv2Client>();
  const clientFor = (region: string): SESv2Client => {
    let client = clients.get(region);
    if (!client) {
      client = new SESv2Client({
        region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: options.maxAttempts ?? 3,
        requestHandler: { requestTimeout: 10_000, connectionTimeout: 5_000 },
      });
      clients.set(region, client);
    }
    return client;
  };
  return async (region, signal) => {
    const client = clientFor(region);
    const identities: ListedIdentity[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(new ListEmailIdentitiesCommand({ PageSize: 100, ...(token ? { NextToken: token } : {}) }), signal ? { abortSignal: signal } : {});
      for (const identity of out.EmailIdentities ?? []) {
        if (!identity.IdentityName) continue;
        identities.push({ name: identity.IdentityName, type: identity.IdentityType, verificationStatus: identity.VerificationStatus, sendingEnabled: identity.SendingEnabled === true });
      }
      token = out.NextToken || undefined;
    } while (token && identities.length < MAX_IDENTITIES_PER_REGION);
    return identities.slice(0, MAX_IDENTITIES_PER_REGION);
  };
}
