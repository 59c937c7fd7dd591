// Reading the repository's own files for the deploy unit tests: the Dockerfile's instructions and
// stages, the static import graph of an entry point, and deploy/'s YAML and env files.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';

export const ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');

export interface Instruction {
  keyword: string;
  args: string[];
}

/** Instructions in order: continuation lines joined, comments and blank lines dropped. */
export function dockerInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  return logical.map((line) => {
    const [keyword = '', ...args] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args };
  });
}

export interface Stage {
  /** The image of the FROM line. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const result: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const args = instruction.args.filter((a) => !a.startsWith('--'));
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      result.push({ from: args[0] ?? '', name: as >= 0 ? args[as + 1] : undefined, instructions: [] });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

export interface ImportGraph {
  /** Repository files loaded by static imports, the entry included (relative paths). */
  files: string[];
  /** Repository files reached only through `import()`. */
  dynamic: string[];
  /** npm packages loaded by static imports (not Node built-ins). */
  packages: string[];
}

// `import … from '…'`, `export … from '…'`, `import '…'`; `import type` is erased, so skipped.
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** What an entry point loads when it starts, following relative static imports. */
export function runtimeImports(entry: string): ImportGraph {
  const files = new Set<string>();
  const dynamic = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(`${ROOT}/${file}`, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const [, typeOnly, specifier = ''] of text.matchAll(STATIC_IMPORT)) {
      if (typeOnly) continue;
      if (specifier.startsWith('.')) queue.push(posix.normalize(posix.join(posix.dirname(file), specifier)));
      else if (!isBuiltin(specifier)) packages.add(packageName(specifier));
    }
    for (const [, specifier = ''] of text.matchAll(DYNAMIC_IMPORT)) {
      if (specifier.startsWith('.')) dynamic.add(posix.normalize(posix.join(posix.dirname(file), specifier)));
    }
  }
  return { files: [...files].sort(), dynamic: [...dynamic].filter((f) => !files.has(f)).sort(), packages: [...packages].sort() };
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every document of a YAML file under the repository, as client-node's typed objects. */
export function readObjects(path: string): KubernetesObject[] {
  const docs: unknown[] = loadAllYaml(readFileSync(`${ROOT}/${path}`, 'utf8'));
  return docs.filter((doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null);
}

/** A plain YAML document (a kustomization, a patch) without client-node's typing. */
export function readYaml(path: string): Record<string, unknown> {
  const docs: unknown[] = loadAllYaml(readFileSync(`${ROOT}/${path}`, 'utf8'));
  const doc = docs[0];
  if (typeof doc !== 'object' || doc === null) throw new Error(`${path}: not a YAML mapping`);
  return doc as Record<string, unknown>;
}

/** KEY=value lines, as kustomize's configMapGenerator `envs` reads them (# comments skipped). */
export function readEnvFile(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(`${ROOT}/${path}`, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new Error(`${path}: "${trimmed}" is not KEY=value`);
    values[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return values;
}
