/**
 * Fast start for `classify` (issue 15). mailparser imports html-to-text and linkify-it when it
 * loads, and sets linkify-it up with every top-level domain there is: ~100 ms of the CLI's
 * start. With the options maildiag parses bounces with (knowledge/bounce/parse.ts:
 * skipHtmlToText, skipTextLinks, skipTextToHtml) mailparser never calls either.
 *
 * So the CLI registers a module hook: when mailparser imports one of them, it gets a stand-in
 * (./deferred/) that loads the real package on first use, through require() from mailparser's
 * own location, and hands everything to it. What mailparser does is unchanged; only when the
 * two packages load is. The Slack app and the tests load mailparser as it is.
 * test/cli/defer-modules.test.ts proves the stand-ins behave as the packages do;
 * test/cli/fast-start.test.ts that the CLI does not load them.
 */
import module from 'node:module';

/** The packages deferred, and the stand-in (./deferred/<name>.js) each is replaced by. */
const DEFERRED = new Set(['html-to-text', 'linkify-it']);
const FROM = '/node_modules/mailparser/';

let loadingReal = false;

/**
 * Loads a deferred package for real, as a require() from `parentURL` (the mailparser module
 * that imported it). The hook lets this one through.
 */
export function loadDeferred(specifier: string, parentURL: string): unknown {
  loadingReal = true;
  try {
    return module.createRequire(parentURL)(specifier);
  } finally {
    loadingReal = false;
  }
}

let registered = false;

/** Registers the hook once; a Node without synchronous module hooks (before 22.15) just loads everything. */
export function deferUnusedMailparserModules(): void {
  if (registered || typeof module.registerHooks !== 'function') return;
  registered = true;
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      const parentURL = context.parentURL;
      if (loadingReal || !DEFERRED.has(specifier) || parentURL === undefined || !parentURL.includes(FROM)) return nextResolve(specifier, context);
      const standIn = new URL(`./deferred/${specifier}.js`, import.meta.url);
      standIn.searchParams.set('parent', parentURL);
      return { url: standIn.href, format: 'module', shortCircuit: true };
    },
  });
}

/** The `parent` a stand-in was resolved for (its import.meta.url's query). */
export function parentOf(standInUrl: string): string {
  const parent = new URL(standInUrl).searchParams.get('parent');
  if (parent === null) throw new Error(`${standInUrl} was not resolved by the deferring hook`);
  return parent;
}
