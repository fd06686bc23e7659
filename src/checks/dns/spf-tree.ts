/**
 * The SPF include tree with the lookup count of each branch. mailauth evaluates but does not
 * return the tree, so this walks it over the same (per-run cached) DnsClient: it only asks for
 * the TXT records of include and redirect targets, which the evaluation asks for too.
 */
import { DnsLookupError, type DnsClient } from '../../core/ports.js';
import { joinTxt } from '../../io/dns.js';
import { hasMacro, type ParsedSpfRecord, parseSpfRecord, SPF_LOOKUP_LIMIT, selectSpfRecords } from '../../knowledge/spf.js';

export type SpfNodeProblem =
  | { kind: 'no-record'; message: string; dnsCode?: 'NXDOMAIN' | 'NODATA' }
  | { kind: 'multiple-records'; message: string }
  | { kind: 'dns-error'; message: string; error: DnsLookupError }
  | { kind: 'loop'; message: string }
  | { kind: 'macro'; message: string }
  | { kind: 'not-followed'; message: string };

export interface SpfTreeNode {
  domain: string;
  /** How the parent reached this node: the term as written (`include:_spf.google.com`, `redirect=...`). */
  via: string;
  /** The v=spf1 records found (one when healthy). */
  records: string[];
  parsed?: ParsedSpfRecord;
  problem?: SpfNodeProblem;
  children: SpfTreeNode[];
  /** DNS-querying terms in this record and everything below it. */
  lookups: number;
  /** Position of this branch's lookups in evaluation order (1-based, inclusive); the `via` term is `first`. */
  firstLookup: number;
  lastLookup: number;
}

export interface SpfTree {
  root: SpfTreeNode;
  /** Lookups a full evaluation makes (the RFC limit is 10). */
  totalLookups: number;
  /** The deepest node whose own range holds the 11th lookup, and the top-level branch that holds it. */
  limitExceededAt?: { node: SpfTreeNode; topBranch: SpfTreeNode };
  /** Include/redirect targets with no SPF record at all (NXDOMAIN/NODATA): void lookups and permerrors. */
  voidTargets: SpfTreeNode[];
  /** DNS failures that are not proof of absence: the tree is incomplete. */
  dnsErrors: DnsLookupError[];
}

/** Which address lookups the evaluation that follows the walk will make (the family of the IP it checks). */
export type SpfPrefetch = 'A' | 'AAAA';

/** At most this many MX hosts are looked up per `mx` term (RFC 7208 section 4.6.4). */
const MX_HOST_LIMIT = 10;

/**
 * Starts the lookups check_host() will make for a record's `a`, `mx` and `exists` terms as
 * soon as the record is known, so the evaluation after the walk meets the run's cache instead
 * of resolving them one after another. Only macro-free targets (a macro depends on the
 * sender); the evaluation still makes (and counts) every lookup itself: a prefetch only warms
 * the per-run cache, so the 10-lookup and void-lookup counts are unchanged. Failures are
 * cached for the evaluation to meet; nothing waits for these here.
 */
function prefetchTermLookups(dns: DnsClient, parsed: ParsedSpfRecord, domain: string, family: SpfPrefetch): void {
  const quietly = (promise: Promise<unknown>): void => {
    promise.catch(() => undefined);
  };
  for (const term of parsed.terms) {
    if (term.kind !== 'mechanism') continue;
    // Terms after `all` are never reached.
    if (term.name === 'all') return;
    const target = (term.target ?? domain).toLowerCase().replace(/\.$/, '');
    if (hasMacro(target)) continue;
    if (term.name === 'a') quietly(dns.resolve(target, family));
    else if (term.name === 'exists' && term.target) quietly(dns.resolve(target, 'A'));
    else if (term.name === 'mx') {
      quietly(
        dns.resolve(target, 'MX').then((hosts) => {
          const exchanges = [...hosts].sort((a, b) => a.priority - b.priority).map((mx) => mx.exchange.replace(/\.$/, '')).filter((exchange) => exchange !== '');
          for (const exchange of exchanges.slice(0, MX_HOST_LIMIT)) quietly(dns.resolve(exchange, family));
        }),
      );
    }
  }
}

const MAX_DEPTH = 10;
/** Bounds the walk on absurd records; well past the limit, so the breaking branch is always found. */
const MAX_NODES = 60;

/** Fetches a name's SPF records; NXDOMAIN/NODATA become an empty list, other failures a problem. */
async function fetchSpf(dns: DnsClient, domain: string): Promise<{ records: string[]; problem?: SpfNodeProblem }> {
  try {
    const txt = (await dns.resolve(domain, 'TXT')).map(joinTxt);
    const records = selectSpfRecords(txt);
    if (records.length === 0) return { records, problem: { kind: 'no-record', message: `${domain} has TXT records but no v=spf1 record` } };
    if (records.length > 1) {
      return { records, problem: { kind: 'multiple-records', message: `${domain} publishes ${records.length} v=spf1 records; receivers return permerror` } };
    }
    return { records };
  } catch (error) {
    if (error instanceof DnsLookupError && error.isVoid) {
      return {
        records: [],
        problem: { kind: 'no-record', message: `${domain} has no SPF record (${error.dnsCode})`, dnsCode: error.dnsCode as 'NXDOMAIN' | 'NODATA' },
      };
    }
    if (error instanceof DnsLookupError) return { records: [], problem: { kind: 'dns-error', message: error.message, error } };
    throw error;
  }
}

/**
 * Walks the include/redirect tree of `domain`. Never throws for DNS failures: they are listed.
 * With `prefetch`, the address lookups of `a`/`mx`/`exists` terms start as records arrive.
 */
export async function walkSpfTree(dns: DnsClient, domain: string, options: { prefetch?: SpfPrefetch } = {}): Promise<SpfTree> {
  let nodes = 0;

  async function visit(name: string, via: string, path: readonly string[]): Promise<SpfTreeNode> {
    nodes += 1;
    const node: SpfTreeNode = { domain: name, via, records: [], children: [], lookups: 0, firstLookup: 0, lastLookup: 0 };
    const key = name.toLowerCase().replace(/\.$/, '');
    if (path.includes(key)) {
      node.problem = { kind: 'loop', message: `${name} includes itself (a loop); receivers stop at the lookup limit` };
      return node;
    }
    if (path.length > MAX_DEPTH || nodes > MAX_NODES) {
      node.problem = { kind: 'not-followed', message: 'not followed: the tree is far past the lookup limit already' };
      return node;
    }
    const fetched = await fetchSpf(dns, name);
    node.records = fetched.records;
    if (fetched.problem) node.problem = fetched.problem;
    if (fetched.records.length !== 1) return node;
    const parsed = parseSpfRecord(fetched.records[0] ?? '');
    node.parsed = parsed;
    // Every record the (bounded) walk fetches; past the 10th lookup the evaluation stops, so a
    // tree over the limit may send a few queries the evaluation never makes.
    if (options.prefetch) prefetchTermLookups(dns, parsed, name, options.prefetch);
    const targets: Array<{ target: string; via: string }> = [];
    for (const term of parsed.terms) {
      if (term.kind === 'mechanism' && term.name === 'include' && term.target) targets.push({ target: term.target, via: term.raw });
    }
    // redirect applies only when the record has no all mechanism (RFC 7208 section 6.1).
    if (parsed.redirect !== undefined && parsed.all === undefined) targets.push({ target: parsed.redirect, via: `redirect=${parsed.redirect}` });
    node.children = await Promise.all(
      targets.map(async ({ target, via: childVia }) => {
        if (hasMacro(target)) {
          const child: SpfTreeNode = { domain: target, via: childVia, records: [], children: [], lookups: 0, firstLookup: 0, lastLookup: 0 };
          child.problem = { kind: 'macro', message: 'the name depends on the sender (macros), so it is not followed here' };
          return child;
        }
        return visit(target, childVia, [...path, key]);
      }),
    );
    return node;
  }

  const root = await visit(domain, domain, []);

  // Number the lookups in evaluation order: terms left to right, an include's record right after the include.
  let counter = 0;
  function number(node: SpfTreeNode): void {
    const start = counter;
    const parsed = node.parsed;
    if (parsed) {
      let childIndex = 0;
      const includeChildren = node.children.filter((child) => !child.via.startsWith('redirect='));
      const redirectChild = node.children.find((child) => child.via.startsWith('redirect='));
      for (const term of parsed.terms) {
        if (term.kind !== 'mechanism') continue;
        if (term.name === 'include') {
          counter += 1;
          const child = includeChildren[childIndex++];
          if (child) {
            child.firstLookup = counter;
            number(child);
          }
        } else if (['a', 'mx', 'ptr', 'exists'].includes(term.name)) {
          counter += 1;
        }
      }
      if (redirectChild) {
        counter += 1;
        redirectChild.firstLookup = counter;
        number(redirectChild);
      }
    }
    node.lastLookup = counter;
    node.lookups = counter - start;
  }
  root.firstLookup = 0;
  number(root);

  const all: SpfTreeNode[] = [];
  const collect = (node: SpfTreeNode): void => {
    all.push(node);
    node.children.forEach(collect);
  };
  collect(root);

  const tree: SpfTree = {
    root,
    totalLookups: root.lookups,
    voidTargets: all.filter((node) => node !== root && node.problem?.kind === 'no-record' && node.problem.dnsCode !== undefined),
    dnsErrors: all.flatMap((node) => (node.problem?.kind === 'dns-error' ? [node.problem.error] : [])),
  };
  if (root.lookups > SPF_LOOKUP_LIMIT) {
    const breaking = SPF_LOOKUP_LIMIT + 1;
    const topBranch = root.children.find((child) => child.firstLookup <= breaking && breaking <= child.lastLookup);
    let node = topBranch;
    while (node) {
      const deeper: SpfTreeNode | undefined = node.children.find((child) => child.firstLookup <= breaking && breaking <= child.lastLookup);
      if (!deeper) break;
      node = deeper;
    }
    tree.limitExceededAt = { node: node ?? root, topBranch: topBranch ?? root };
  }
  return tree;
}

/**
 * One line per node: the path from the root with each step's lookup count, e.g.
 * `example.com (12 lookups) → include:_spf.google.com (4) → include:_netblocks.google.com (1)`.
 */
export function renderSpfTree(tree: SpfTree): string[] {
  const lines: string[] = [];
  const limitNode = tree.limitExceededAt?.node;
  const walk = (node: SpfTreeNode, prefix: string): void => {
    const ownCount = node === tree.root ? `${node.lookups} lookup${node.lookups === 1 ? '' : 's'}` : String(node.lookups + 1);
    const label = `${node === tree.root ? node.domain : node.via} (${ownCount})`;
    const line = prefix === '' ? label : `${prefix} → ${label}`;
    const notes: string[] = [];
    if (node !== tree.root && node.lastLookup > SPF_LOOKUP_LIMIT && node.firstLookup <= SPF_LOOKUP_LIMIT + 1) {
      notes.push(`lookups ${node.firstLookup}–${node.lastLookup}: crosses the limit of ${SPF_LOOKUP_LIMIT}`);
    } else if (node !== tree.root && node.firstLookup > SPF_LOOKUP_LIMIT) {
      notes.push('past the limit');
    }
    if (node === limitNode && node !== tree.root) notes.push('the 11th lookup is here');
    if (node.problem) notes.push(node.problem.message);
    lines.push(notes.length > 0 ? `${line}  [${notes.join('; ')}]` : line);
    for (const child of node.children) walk(child, prefix === '' ? `${node.domain} (${ownCount})` : `${prefix} → ${node.via} (${ownCount})`);
  };
  walk(tree.root, '');
  return lines;
}
