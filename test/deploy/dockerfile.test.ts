/**
 * No container engine runs on the development and CI machines, so the image is not built
 * here; this test keeps the Dockerfile's steps in line with the scripts CI does run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const ciScript = readFileSync('.ci/run', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};
const buildConfig = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };

const runSteps = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((m) => m[1] ?? '');
const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => ({ image: m[1] ?? '', name: m[2] ?? '' }));

describe('Dockerfile', () => {
  it('is multi-stage on the same Node major as the scripts and CI', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const major = /^(\d+)/.exec(pkg.devDependencies.node ?? '')?.[1];
    expect(major).toBe('24');
    for (const stage of stages) expect(stage.image).toBe(`node:${major}-slim`);
  });

  it('installs from the lock file with npm ci, as CI does', () => {
    expect(ciScript).toMatch(/^npm ci\b/m);
    expect(runSteps.filter((s) => s.startsWith('npm ci')).length).toBe(2);
    expect(runSteps.some((s) => s.includes('npm ci --omit=dev'))).toBe(true);
    // The package's `prepare` build runs on npm ci: the build stage has the sources by then, and
    // the runtime stage (no compiler, no sources) skips scripts.
    expect(runSteps.find((s) => s.includes('npm ci --omit=dev'))).toContain('--ignore-scripts');
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(dockerfile.indexOf('COPY src ./src')).toBeLessThan(dockerfile.indexOf('RUN npm ci --no-audit'));
  });

  it('builds with a package script that exists and compiles src into what CMD runs', () => {
    const npmRuns = runSteps.flatMap((s) => [...s.matchAll(/npm run (\S+)/g)].map((m) => m[1] ?? ''));
    expect(npmRuns).toEqual(['build']);
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && node scripts/bundle-cli.mjs');
    // The build stage has what the build reads: the sources and the CLI bundling script.
    expect(dockerfile).toMatch(/^COPY scripts\/bundle-cli\.mjs /m);
    expect(readFileSync('.dockerignore', 'utf8').split('\n')).toContain('!scripts/bundle-cli.mjs');
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)?.[1];
    expect(cmd).toBe('dist/index.js');
    expect(readFileSync('src/index.ts', 'utf8').length).toBeGreaterThan(0);
    expect(pkg.scripts.start).toBe(`node ${cmd}`);
    // The burst benchmark runs the app with the image's NODE_OPTIONS (scripts/bench-burst.ts).
    const nodeOptions = /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile)?.[1];
    expect(nodeOptions).toBe('--max-semi-space-size=8');
    expect(readFileSync('scripts/bench-burst.ts', 'utf8')).toContain(`APP_NODE_OPTIONS = '${nodeOptions}'`);
  });

  it('runs as a non-root user with the store on a volume and no secrets baked in', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    const dbPath = /MAILDIAG_DB=(\S+)/.exec(dockerfile)?.[1] ?? '';
    const volume = /^VOLUME \["([^"]+)"\]$/m.exec(dockerfile)?.[1] ?? '';
    expect(dbPath.startsWith(`${volume}/`)).toBe(true);
    expect(dockerfile).not.toMatch(/SLACK_(BOT_TOKEN|SIGNING_SECRET|APP_TOKEN)|AWS_SECRET_ACCESS_KEY|xoxb-/);
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', '.git']));
  });

  it('has a HEALTHCHECK against the HTTP receiver health route', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD .*\/healthz/m);
  });
});
