// The shape DESIGN describes, checked: decoders/ and pipeline/ share only src/raw.ts (and the
// layers below them), and the TypeScript side's kernel constants and exports are the ones the
// AssemblyScript build generated (scripts/embed-wasm.mjs).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as generated from '../src/wasm/kernels.generated.js';
// @ts-expect-error: a plain ES module of the build scripts, without types
import { parseEnums } from '../scripts/shared-constants.mjs';

const SRC = new URL('../src/', import.meta.url);

/** The src/-relative modules a module imports (type-only imports included). */
function importsOf(file: string): string[] {
  const text = readFileSync(new URL(file, SRC), 'utf8');
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  return [...text.matchAll(/^(?:import|export)[^'";]*?from '(\.[^']+)'/gm)].map(([, spec]) => {
    const parts = `${dir}${spec!}`.split('/');
    const out: string[] = [];
    for (const part of parts) {
      if (part === '..') out.pop();
      else if (part !== '.') out.push(part);
    }
    return out.join('/').replace(/\.js$/, '.ts');
  });
}

const modulesIn = (dir: string) => readdirSync(new URL(`${dir}/`, SRC)).filter((f) => f.endsWith('.ts')).map((f) => `${dir}/${f}`);

describe('import graph', () => {
  it.each([
    ['decoders', 'pipeline'],
    ['pipeline', 'decoders'],
  ])('%s/ does not import %s/', (from, to) => {
    const crossing = modulesIn(from).flatMap((file) => importsOf(file).filter((target) => target.startsWith(`${to}/`)).map((target) => `${file} → ${target}`));
    expect(crossing).toEqual([]);
  });

  it('both import the decoder contract, src/raw.ts', () => {
    expect(importsOf('pipeline/frame.ts')).toContain('raw.ts');
    expect(importsOf('decoders/decoder.ts')).toContain('raw.ts');
  });
});

describe('constants and exports generated from assembly/', () => {
  it("are assembly/shared.ts's enums, member for member", () => {
    const source = readFileSync(new URL('../assembly/shared.ts', import.meta.url), 'utf8');
    const enums = parseEnums(source) as { name: string; members: { name: string; value: number }[] }[];
    expect(enums.map((e) => e.name)).toEqual(['SampleKind', 'Layout', 'VoiFunction', 'Status', 'JpegField', 'JpegOption']);
    for (const { name, members } of enums) {
      expect((generated as unknown as Record<string, unknown>)[name], name).toEqual(Object.fromEntries(members.map((m) => [m.name, m.value])));
    }
  });

  it('name exactly the functions the embedded module exports', async () => {
    const binary = Uint8Array.from(atob(generated.KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    const module = await WebAssembly.compile(binary);
    const functions = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    expect(functions.sort()).toEqual([...generated.KERNEL_FUNCTIONS].sort());
  });
});
