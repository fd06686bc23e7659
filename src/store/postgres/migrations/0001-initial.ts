/**
 * Version 1: offers, approval requests with their execution lease, the audit trail (append-
 * only, enforced by triggers for UPDATE, DELETE and TRUNCATE, so even the owner role cannot
 * rewrite it without first dropping the trigger, which the app's role is not allowed to do),
 * and de-duplication keys. Never edit a shipped migration: add the next version.
 */
import type { PgMigration } from './types.js';

export const migration0001: PgMigration = {
  version: 1,
  name: 'offers, requests with execution lease, append-only audit, de-duplication keys',
  sql: `
    CREATE TABLE offers (
      id text PRIMARY KEY,
      run_id text NOT NULL,
      finding_id text NOT NULL,
      request jsonb NOT NULL,
      channel text NOT NULL,
      thread_ts text NOT NULL,
      offered_to text NOT NULL,
      created_at timestamptz NOT NULL,
      target jsonb,
      warnings jsonb NOT NULL DEFAULT '[]'
    );

    CREATE TABLE requests (
      id text PRIMARY KEY,
      chain_id text NOT NULL,
      step integer NOT NULL,
      origin jsonb NOT NULL,
      action_kind text NOT NULL,
      action jsonb NOT NULL,
      offer_id text NOT NULL,
      finding_id text NOT NULL,
      run_id text NOT NULL,
      channel text NOT NULL,
      thread_ts text NOT NULL,
      message_ts text,
      requested_by text NOT NULL,
      requested_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      state text NOT NULL CHECK (state IN ('pending','executing','succeeded','failed','rejected','expired','superseded','interrupted')),
      decided_by text,
      decided_at timestamptz,
      outcome jsonb,
      warnings jsonb NOT NULL DEFAULT '[]',
      claimed_by text,
      lease_until timestamptz
    );
    CREATE INDEX requests_chain ON requests (chain_id, step);
    CREATE INDEX requests_offer ON requests (offer_id);
    CREATE INDEX requests_pending_expiry ON requests (expires_at) WHERE state = 'pending';
    CREATE INDEX requests_executing_lease ON requests (lease_until) WHERE state = 'executing';

    CREATE TABLE audit (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      request_id text NOT NULL,
      event text NOT NULL,
      actor text NOT NULL,
      at timestamptz NOT NULL,
      what text NOT NULL,
      result text NOT NULL
    );
    CREATE INDEX audit_request ON audit (request_id, seq);

    CREATE FUNCTION maildiag_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$;
    CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
      FOR EACH ROW EXECUTE FUNCTION maildiag_audit_append_only();
    CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
      FOR EACH STATEMENT EXECUTE FUNCTION maildiag_audit_append_only();

    CREATE TABLE dedupe (
      key text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX dedupe_expiry ON dedupe (expires_at);
  `,
};
