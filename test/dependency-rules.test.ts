import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The design's dependency rules, checked on the sources: arrows point one way.
const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'artifacts') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g))
    found.push(m[1] ?? '');
  return found;
}

function violations(pkg: string, forbidden: RegExp): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(join(root, pkg, 'src'))) {
    for (const spec of imports(file)) {
      if (forbidden.test(spec)) bad.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return bad;
}

describe('dependency rules (design.md)', () => {
  it('models/ imports neither sdk/ nor aggregator-server/', () => {
    expect(
      violations('models', /@hearth\/(sdk|aggregator-server)|\.\.\/(\.\.\/)*(sdk|aggregator-server)\//),
    ).toEqual([]);
  });

  it('sdk/ never imports aggregator-server/ and the aggregator never imports sdk/', () => {
    expect(violations('sdk', /@hearth\/aggregator-server|aggregator-server\//)).toEqual([]);
    expect(violations('aggregator-server', /@hearth\/sdk|\.\.\/sdk\//)).toEqual([]);
  });

  it('the privacy math imports no HTTP, no storage, no clock', () => {
    const dir = join(root, 'aggregator-server', 'src', 'privacy');
    let files: string[] = [];
    try {
      files = sourceFiles(dir).filter((f) => !f.endsWith('.test.ts'));
    } catch {
      return; // not built yet: nothing to check
    }
    const bad: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const spec of imports(file)) {
        if (/^(node:)?(http|https|fs|net|express|pg)$|storage|@electric-sql/.test(spec))
          bad.push(`${file}: ${spec}`);
      }
      if (/Date\.now\(|new Date\(|performance\.now\(/.test(text)) bad.push(`${file}: reads the clock`);
    }
    expect(bad).toEqual([]);
  });

  it('the demo shop uses the SDK only through its built script tag', () => {
    expect(violations('demo-shop', /@hearth\/sdk\/|\.\.\/\.\.\/sdk\/src/)).toEqual([]);
  });

  it('the model core loaded by the browser uses no fs and no DOM', () => {
    const bad: string[] = [];
    for (const file of sourceFiles(join(root, 'models', 'src'))) {
      // Node-only parts (CLIs, file loaders, Node backends) live in folders named node/ or cli/.
      if (/\/(cli|node)\//.test(file) || file.endsWith('.test.ts')) continue;
      for (const spec of imports(file))
        if (/^(node:)?(fs|path|child_process|os)(\/|$)/.test(spec)) bad.push(`${file}: ${spec}`);
      if (/\bdocument\.|\bwindow\./.test(readFileSync(file, 'utf8'))) bad.push(`${file}: touches the DOM`);
    }
    expect(bad).toEqual([]);
  });
});
