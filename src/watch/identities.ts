/**
 * Lists the SES identities of a region (SESv2 ListEmailIdentities, paginated) for the
 * scheduled audit. Clients come from the shared pool (one per process and region).
 */
import { ListEmailIdentitiesCommand } from '@aws-sdk/client-sesv2';
import { type AwsClientOptions, awsClientPool } from '../io/aws-clients.js';

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

/** Clients come from the process-wide pool (src/io/aws-clients.ts), shared with the diagnosis. */
export function createIdentityLister(options: AwsClientOptions = {}): IdentityLister {
  return async (region, signal) => {
    const client = awsClientPool(options).sesv2(region);
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
