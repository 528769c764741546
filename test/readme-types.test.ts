// The README's examples type-check under the strictest user settings (test/types/).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('README examples', () => {
  it('type-check with strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = new URL('./types/tsconfig.json', import.meta.url).pathname;
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  });
});
