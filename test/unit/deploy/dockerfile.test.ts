// The Dockerfile's promises, read from its text (no Docker engine here): multi-stage, a Node 24
// base, production dependencies only, a non-root user, `node cmd/main.ts run`, and nothing from
// test/ — while every module cmd/main.ts loads at startup is in the image and every package it
// imports is a production dependency (a dev-only import would crash the image, not the tests).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { dockerInstructions, runtimeImports, stages, ROOT } from './source.ts';

const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
const dockerignore = readFileSync(`${ROOT}/.dockerignore`, 'utf8');
const packageJson = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};
const all = stages(dockerInstructions(dockerfile));
const final = all.at(-1);

/** The context paths a COPY of the final stage takes from the build context (not --from). */
function contextCopies(): string[] {
  return (final?.instructions ?? [])
    .filter((i) => i.keyword === 'COPY' && !i.args.some((a) => a.startsWith('--from=')))
    .flatMap((i) => i.args.filter((a) => !a.startsWith('--')).slice(0, -1));
}

/** .dockerignore's verdict for a context path: the last matching pattern wins, `!` re-includes. */
function inContext(file: string): boolean {
  let included = true;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\.?\//, '').replace(/\/$/, '');
    if (pattern === '*' || file === pattern || file.startsWith(`${pattern}/`)) included = negated;
  }
  return included;
}

/** In the build context, and under a path the runtime stage copies. */
function inImage(file: string): boolean {
  const copied = contextCopies().map((source) => source.replace(/^\.\//, ''));
  return inContext(file) && copied.some((source) => (source.endsWith('/') ? file.startsWith(source) : file === source));
}

/**
 * The modules the CLI can load: cmd/main.ts's static imports, and every module it (or they)
 * import()s, with their static imports, unless that pulls in test/ (then it must stay out).
 */
function imageModules(): { required: string[]; excluded: string[]; packages: string[] } {
  const required = new Set<string>();
  const excluded = new Set<string>();
  const packages = new Set<string>();
  const pending = ['cmd/main.ts'];
  for (let entry = pending.shift(); entry !== undefined; entry = pending.shift()) {
    const graph = runtimeImports(entry);
    if (graph.files.some((file) => file.startsWith('test/'))) {
      excluded.add(entry);
      continue;
    }
    for (const file of graph.files) required.add(file);
    for (const name of graph.packages) packages.add(name);
    for (const next of graph.dynamic) if (!required.has(next) && !excluded.has(next)) pending.push(next);
  }
  return { required: [...required].sort(), excluded: [...excluded].sort(), packages: [...packages].sort() };
}

describe('Dockerfile', () => {
  test('is multi-stage: dependencies are installed in one stage and copied into the runtime stage', () => {
    assert.ok(all.length >= 2, `${all.length} stage(s)`);
    const copiesFromBuild = final?.instructions.filter((i) => i.keyword === 'COPY' && i.args.some((a) => a.startsWith('--from=')));
    assert.ok(copiesFromBuild && copiesFromBuild.length > 0, 'the runtime stage copies from an earlier stage');
    assert.ok(!(final?.instructions ?? []).some((i) => i.keyword === 'RUN' && /\bnpm\b/.test(i.args.join(' '))), 'no npm run in the runtime stage');
  });

  test('every stage is built on Node 24, the runtime package.json and the tests ask for', () => {
    assert.match(packageJson.engines.node, /^>=24\b/);
    assert.match(packageJson.devDependencies.node ?? '', /^\^24\./);
    for (const stage of all) assert.match(stage.from, /^node:24(-slim|-bookworm-slim|-alpine)?(@sha256:[0-9a-f]{64})?$/, stage.from);
  });

  test('production dependencies only: npm ci --omit=dev from the lock file', () => {
    const installs = all.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install|i)\b/.test(i.args.join(' ')));
    assert.ok(installs.length > 0, 'dependencies are installed');
    for (const install of installs) {
      const text = install.args.join(' ');
      assert.match(text, /\bnpm ci\b/, 'npm ci, so the lock file decides the versions');
      assert.match(text, /--omit=dev\b/);
    }
  });

  test('runs as a non-root user', () => {
    const users = (final?.instructions ?? []).filter((i) => i.keyword === 'USER');
    const user = users.at(-1)?.args[0] ?? '';
    assert.ok(user !== '', 'the runtime stage sets USER');
    const [name = ''] = user.split(':');
    assert.ok(name === 'node' || (/^\d+$/.test(name) && Number(name) > 0), `USER ${user} is not root`);
    const userAt = final?.instructions.lastIndexOf(users.at(-1) ?? users[0] ?? { keyword: '', args: [] }) ?? -1;
    const entryAt = final?.instructions.findIndex((i) => i.keyword === 'ENTRYPOINT') ?? -1;
    assert.ok(userAt >= 0 && userAt < entryAt, 'USER comes before ENTRYPOINT');
  });

  test('starts `node cmd/main.ts run`', () => {
    const exec = (keyword: string): string[] => JSON.parse(final?.instructions.find((i) => i.keyword === keyword)?.args.join(' ') ?? '[]') as string[];
    assert.deepEqual([...exec('ENTRYPOINT'), ...exec('CMD')], ['node', 'cmd/main.ts', 'run']);
  });

  test('copies nothing from test/, and the build context excludes it', () => {
    for (const source of contextCopies()) {
      assert.ok(!/^(\.\/)?test(\/|$)/.test(source), `COPY ${source}`);
      assert.notEqual(source.replace(/^\.\/?$/, '.'), '.', 'no COPY of the whole context');
    }
    const lines = dockerignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(lines[0], '*', '.dockerignore is an allow-list: everything out, then what the image needs');
    assert.ok(!inImage('test/env/environment.ts') && !inImage('test/unit/deploy/source.ts'));
  });

  test('holds every module the CLI loads, except what needs test/ (reached only without QUEUE_URL)', () => {
    const { required, excluded } = imageModules();
    for (const file of required) assert.ok(inImage(file), `${file} is loaded by the CLI but is not in the image`);
    for (const file of excluded) assert.ok(!inImage(file), `${file} needs test/ but is in the image`);
    // What is left out is reached by a dynamic import only, on the local-environment path.
    assert.ok(excluded.includes('cmd/local.ts'), excluded.join(', '));
    const main = readFileSync(`${ROOT}/cmd/main.ts`, 'utf8');
    assert.match(main, /if \(!loaded\.config\.queueUrl[^)]*\) return await runLocal\(/, 'local.ts is reached only when QUEUE_URL is unset');
  });

  test('every package the CLI loads is a production dependency', () => {
    const packages = imageModules().packages;
    assert.ok(packages.includes('@aws-sdk/client-sqs'), packages.join(', '));
    for (const name of packages) {
      assert.ok(name in packageJson.dependencies, `${name} is imported at runtime but is not in "dependencies" (npm ci --omit=dev leaves it out)`);
    }
  });
});
