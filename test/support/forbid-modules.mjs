// Preloaded with `node --import` into a spawned CLI or app: resolving any package named in
// MAILDIAG_FORBID_MODULES (comma-separated prefixes such as `@aws-sdk/,@slack/bolt`) throws,
// so a test proves that a command never loads the AWS SDK or Bolt.
import { registerHooks } from 'node:module';

const forbidden = (process.env.MAILDIAG_FORBID_MODULES ?? '')
  .split(',')
  .map((prefix) => prefix.trim())
  .filter((prefix) => prefix !== '');

registerHooks({
  resolve(specifier, context, nextResolve) {
    const hit = forbidden.find((prefix) => specifier.startsWith(prefix));
    if (hit !== undefined) throw new Error(`forbidden module loaded: ${specifier}`);
    return nextResolve(specifier, context);
  },
});
