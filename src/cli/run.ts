/**
 * The terminal front end: `maildiag <domain|address> [to=...] [options]` and
 * `maildiag classify [FILE|DIR|-]... [--summary]`. Pure over its I/O object so tests drive it in-process.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Layer, LAYERS } from '../core/finding.js';
import { ConfigError, InputError, MaildiagError } from '../core/errors.js';
import { normalizeDomain, normalizeRegion, parseTargetText, type Target } from '../core/target.js';
import type { InterpretedReply } from '../core/replies.js';
import { readInputFileBounded } from './bounded-read.js';
import { USAGE } from './usage.js';

// Fast start: everything heavy is imported where a command needs it, never at load. `classify`
// loads the bounce knowledge (mailparser for whole messages, without the two packages it never
// calls for a bounce: defer-modules.ts) and not the engine; a diagnosis loads the engine, the
// configuration (engine-config.ts: no zod) and the logger (pino), and the AWS SDK only when an
// AWS layer runs (src/compose.ts); nothing here loads Bolt or prom-client.
// test/cli/fast-start.test.ts and test/cli/lazy-modules.test.ts hold the line.

export interface CliIo {
  stdout: { write(text: string): void; isTTY?: boolean };
  stderr: { write(text: string): void };
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export { USAGE };

const OPTIONS = {
  json: { type: 'boolean' },
  summary: { type: 'boolean' },
  format: { type: 'string' },
  layers: { type: 'string' },
  region: { type: 'string', multiple: true },
  'dns-server': { type: 'string', multiple: true },
  'mail-from': { type: 'string' },
  'dkim-tokens': { type: 'string' },
  'dkim-selector': { type: 'string' },
  'aws-endpoint': { type: 'string' },
  bounce: { type: 'string' },
  thread: { type: 'string' },
  verbose: { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ParsedOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export function parseLayers(value: string | undefined): Layer[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(LAYERS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new InputError(`unknown layer '${unknown[0] ?? value}' in --layers (the layers are ${LAYERS.join(', ')})`, unknown[0] ?? value);
  }
  return names as Layer[];
}

export const FORMATS = ['text', 'json', 'markdown'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** `--format text|json|markdown`; `--json` is an alias of `--format json`. */
export function outputFormat(values: Pick<ParsedOptions, 'format' | 'json'>): OutputFormat {
  const asked = values.format?.trim().toLowerCase();
  if (asked !== undefined && !(FORMATS as readonly string[]).includes(asked)) {
    throw new InputError(`unknown format '${values.format}' in --format (the formats are ${FORMATS.join(', ')})`, values.format);
  }
  if (values.json && asked !== undefined && asked !== 'json') throw new InputError(`--json contradicts --format ${asked}`, '--json');
  return values.json ? 'json' : ((asked as OutputFormat | undefined) ?? 'text');
}

/** Applies the CLI's flags to the target parsed from its positional text. */
export function applyTargetFlags(target: Target, values: ParsedOptions): Target {
  const next: Target = { ...target };
  for (const region of values.region ?? []) {
    const normalized = normalizeRegion(region, `--region ${region}`);
    if (!next.regions.includes(normalized)) next.regions = [...next.regions, normalized];
  }
  if (values['mail-from'] !== undefined) next.mailFromDomain = normalizeDomain(values['mail-from'], `--mail-from ${values['mail-from']}`);
  if (values['dkim-tokens'] !== undefined) {
    const tokens = values['dkim-tokens'].split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
    const bad = tokens.find((t) => !/^[a-z0-9]{16,64}$/.test(t));
    if (bad !== undefined || tokens.length === 0) {
      throw new InputError(`'${bad ?? values['dkim-tokens']}' in --dkim-tokens is not an SES DKIM token (16 to 64 letters and digits)`, bad);
    }
    next.dkimTokens = tokens;
  }
  if (values['dkim-selector'] !== undefined) {
    const selector = values['dkim-selector'].trim().toLowerCase();
    if (!/^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(selector) || selector.length > 63) {
      throw new InputError(`'${values['dkim-selector']}' is not a DKIM selector`, values['dkim-selector']);
    }
    next.dkimSelector = selector;
  }
  return next;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`maildiag: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help || (positionals.length === 0 && values.thread === undefined)) {
    (values.help ? io.stdout : io.stderr).write(USAGE);
    return values.help ? EXIT_OK : EXIT_USAGE;
  }
  const colour = values['no-color'] ? false : values.color ? true : Boolean(io.stdout.isTTY) && io.env.NO_COLOR === undefined;

  try {
    if (positionals[0] === 'classify') return await runClassify(positionals.slice(1), values, io);
    const [{ loadEngineConfig }, { createLogger }, { createServices, diagnose }] = await Promise.all([
      import('../engine-config.js'),
      import('../log.js'),
      import('../compose.js'),
    ]);
    const config = loadEngineConfig(io.env);
    const layers = parseLayers(values.layers);
    const target = applyTargetFlags(await buildTarget(positionals, values), values);
    const format = outputFormat(values);
    const log = createLogger({ level: format !== 'text' ? 'silent' : config.logLevel === 'info' ? 'warn' : config.logLevel, destination: stderrDestination(io) });
    const services = createServices(config, log, {
      ...(values['dns-server'] ? { dnsServers: values['dns-server'] } : {}),
      ...(values['aws-endpoint'] ? { awsEndpoint: values['aws-endpoint'] } : {}),
    }, io.env);
    const report = await diagnose(target, services, layers ? { layers } : {});
    if (format === 'json') {
      const { reportToJson } = await import('../core/report-json.js');
      io.stdout.write(`${JSON.stringify(reportToJson(report), null, 2)}\n`);
    } else if (format === 'markdown') {
      const { renderReportMarkdown } = await import('./render-markdown.js');
      io.stdout.write(renderReportMarkdown(report));
    } else {
      const { renderReportText } = await import('./render-text.js');
      io.stdout.write(renderReportText(report, { colour, verbose: Boolean(values.verbose) }));
    }
    return report.verdict === 'fail' || report.verdict === 'error' ? EXIT_FAILED : EXIT_OK;
  } catch (error) {
    if (error instanceof InputError || error instanceof ConfigError) {
      io.stderr.write(`maildiag: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof MaildiagError) {
      io.stderr.write(`maildiag: ${error.message}${error.hint ? `\n${error.hint}` : ''}\n`);
      return EXIT_FAILED;
    }
    throw error;
  }
}

function stderrDestination(io: CliIo) {
  return { write: (line: string) => io.stderr.write(line) };
}

/** The positional target, enriched (or, without one, supplied) by --thread and --bounce. */
async function buildTarget(positionals: string[], values: ParsedOptions): Promise<Target> {
  let target: Target | undefined = positionals.length > 0 ? parseTargetText(positionals.join(' ')) : undefined;
  if (values.thread !== undefined) {
    const { extractFromThread } = await import('../knowledge/ticket-text.js');
    const extraction = extractFromThread(splitThread(await readInputFile(values.thread)));
    if (!target) {
      if (!extraction.target) {
        throw new InputError(`nothing in '${values.thread}' names a sending domain or address (${extraction.notes.join('; ') || 'no addresses found'}); give one on the command line`, values.thread);
      }
      target = extraction.target;
    } else {
      target = mergeTarget(target, {
        recipients: extraction.recipients,
        smtpUsers: extraction.smtpUsers,
        regions: extraction.regions,
        messageIds: extraction.messageIds,
        replies: extraction.replies,
        notes: extraction.notes,
      });
    }
  }
  if (!target) throw new InputError('give a sending domain or address');
  if (values.bounce !== undefined) {
    const { interpretBounce } = await import('../knowledge/bounce/classify.js');
    const result = await interpretBounce(await readInputBuffer(values.bounce));
    const recipients = result.replies.map((r) => r.recipient).filter((r): r is string => r !== undefined);
    target = mergeTarget(target, {
      recipients: target.recipients.length === 0 ? recipients : [],
      replies: result.replies,
      notes: [
        ...(target.recipients.length === 0 && recipients.length > 0 ? [`recipients taken from the bounce: ${[...new Set(recipients)].join(', ')}`] : []),
        ...result.notes,
      ],
    });
  }
  return target;
}

/** A thread file holds messages separated by a line of dashes, or is one message. */
function splitThread(text: string): string[] {
  return text.split(/^-{3,}\s*$/m).map((part) => part.trim()).filter((part) => part !== '');
}

function mergeTarget(
  target: Target,
  extra: Partial<Pick<Target, 'recipients' | 'smtpUsers' | 'regions' | 'messageIds' | 'replies' | 'notes'>>,
): Target {
  const union = (a: string[], b: string[] | undefined) => [...new Set([...a, ...(b ?? [])])];
  return {
    ...target,
    recipients: union(target.recipients, extra.recipients?.map((r) => r.toLowerCase())),
    smtpUsers: union(target.smtpUsers, extra.smtpUsers),
    regions: union(target.regions, extra.regions),
    messageIds: union(target.messageIds, extra.messageIds),
    replies: [...target.replies, ...(extra.replies ?? [])],
    notes: [...target.notes, ...(extra.notes ?? [])],
  };
}

async function runClassify(args: string[], values: ParsedOptions, io: CliIo): Promise<number> {
  if (args.length > 1 || values.summary || (args[0] !== undefined && args[0] !== '-' && (await isFolder(args[0])))) {
    return classifyMany(args.length === 0 ? ['-'] : args, values, io);
  }
  const source = args[0] ?? '-';
  const input = source === '-' ? await io.readStdin() : await readInputBuffer(source);
  const format = outputFormat(values);
  const { interpretBounce } = await import('../knowledge/bounce/classify.js');
  const result = await interpretBounce(input);
  if (format === 'json') {
    const { classificationToJson } = await import('../core/report-json.js');
    io.stdout.write(`${JSON.stringify(classificationToJson(result), null, 2)}\n`);
  } else if (format === 'markdown') {
    const { renderRepliesMarkdown } = await import('./render-markdown.js');
    io.stdout.write(renderRepliesMarkdown(result.replies, result.notes));
  } else {
    io.stdout.write(renderReplies(result.replies, result.notes));
  }
  return EXIT_OK;
}

/** Several files or a folder, or --summary: see classify-many.ts. */
async function classifyMany(args: string[], values: ParsedOptions, io: CliIo): Promise<number> {
  const format = outputFormat(values);
  const [{ classifyFiles, expandInputs, filesToJson, renderSummaryText, summarize, summaryToJson }, { renderRepliesMarkdown }] = await Promise.all([
    import('./classify-many.js'),
    import('./render-markdown.js'),
  ]);
  const results = await classifyFiles(await expandInputs(args), () => io.readStdin());
  if (values.summary) {
    const summary = summarize(results);
    io.stdout.write(format === 'json' ? `${JSON.stringify(summaryToJson(summary), null, 2)}\n` : renderSummaryText(summary));
  } else if (format === 'json') {
    io.stdout.write(`${JSON.stringify(filesToJson(results), null, 2)}\n`);
  } else {
    for (const result of results) {
      io.stdout.write(`== ${result.file}\n`);
      if (result.error !== undefined) io.stdout.write(`cannot read: ${result.error}\n`);
      else io.stdout.write(format === 'markdown' ? renderRepliesMarkdown(result.replies, result.notes) : renderReplies(result.replies, result.notes));
    }
  }
  return results.some((result) => result.error !== undefined) ? EXIT_FAILED : EXIT_OK;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export function renderReplies(replies: readonly InterpretedReply[], notes: readonly string[]): string {
  const lines: string[] = [];
  if (replies.length === 0) lines.push('Nothing recognised: no SMTP reply or delivery status was found in the input.');
  for (const reply of replies) {
    const code = [reply.replyCode, reply.status].filter(Boolean).join(' ') || 'no code';
    lines.push(`${reply.recipient ?? '(no recipient)'}: ${code} from ${reply.provider}${reply.remoteHost ? ` (${reply.remoteHost})` : ''}`);
    lines.push(`  ${reply.raw.length > 300 ? `${reply.raw.slice(0, 300)}…` : reply.raw}`);
    lines.push(`  → ${reply.category} (layer ${reply.layer}, sisimai ${reply.reason}, confidence ${reply.confidence.toFixed(2)})`);
    lines.push(`  Why: ${reply.explanation}`);
    if (reply.fix) lines.push(`  Fix: ${reply.fix}`);
  }
  for (const note of notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** Files are read stream-counted, at most MAX_INPUT_BYTES (cli/bounded-read). */
function readInputBuffer(path: string): Promise<Buffer> {
  return readInputFileBounded(path);
}

export async function readInputFile(path: string): Promise<string> {
  return (await readInputFileBounded(path)).toString('utf8');
}
