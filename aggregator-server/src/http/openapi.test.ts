// The OpenAPI document describes every route the app serves, and nothing it does not.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'openapi.yaml'), 'utf8');
const sources = ['routes-models.ts', 'routes-rounds.ts', 'routes-admin.ts', 'routes-ops.ts'].map((f) =>
  readFileSync(join(import.meta.dirname, f), 'utf8'),
);

/** `r.get('/v1/models/:version/manifest.json', ...)` -> `get /v1/models/{version}/manifest.json` */
function served(): string[] {
  const out: string[] = [];
  for (const text of sources)
    for (const m of text.matchAll(/r\.(get|post|put|delete)\(\s*'([^']+)'/g))
      out.push(`${m[1]} ${m[2]!.replace(/:(\w+)/g, '{$1}')}`);
  return out.sort();
}

function documented(): string[] {
  const out: string[] = [];
  let path = '';
  for (const line of doc.split('\n')) {
    const p = /^ {2}(\/\S*):$/.exec(line);
    if (p) path = p[1]!;
    const m = /^ {4}(get|post|put|delete):$/.exec(line);
    if (m && path) out.push(`${m[1]} ${path}`);
  }
  return out.sort();
}

describe('openapi.yaml', () => {
  it('documents exactly the routes the app serves', () => {
    expect(served().length).toBeGreaterThan(10);
    expect(documented()).toEqual(served());
  });
});
