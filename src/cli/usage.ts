/**
 * The CLI's usage text, in a module of its own: `maildiag --help` prints it without loading
 * anything else (src/cli/main.ts).
 */
import { LAYERS } from '../core/finding.js';

export const USAGE = `Usage:
  maildiag <domain | address> [to=<address>]... [region=<region>]... [smtp-user=<AKIA...>]... [message-id=<id>]... [options]
  maildiag --thread FILE [options]      (sender, recipients and replies read from a ticket thread)
  maildiag classify [FILE | DIR | -]... [--summary] [--format text|json|markdown]

Options:
  --format <f>           text (default), json (docs/report.schema.json) or markdown (for a ticket)
  --json                 the same as --format json
  --summary              classify: counts per reason and per layer instead of each reply
  --layers <list>        run only these layers: ${LAYERS.join(',')}
  --region <region>      AWS region to check (repeatable; same as region=)
  --dns-server <h:port>  DNS server to ask instead of the system's (repeatable)
  --mail-from <domain>   custom MAIL FROM domain to check
  --dkim-tokens <a,b,c>  SES Easy DKIM tokens to check
  --dkim-selector <s>    a DKIM selector whose key record to check
  --aws-endpoint <url>   AWS endpoint override (local test endpoints)
  --bounce <file>        a bounce message (.eml) or NDR text to interpret
  --thread <file>        ticket thread text to read addresses and replies from
  --verbose              show passing checks in full
  --color / --no-color   force colour on or off (default: on for a terminal)
  -h, --help             this help

Exit status: 0 nothing failed, 1 a check failed or could not run, 2 bad usage.
`;
