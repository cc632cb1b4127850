// The page template step of `npm start` (scripts/demo-stack.ts): the SDK's snippet and init() go where
// demo-shop/index.html marks them, byte for byte, and config values cannot break out of the script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageWithSnippet, REPO_ROOT } from '../../scripts/demo-stack';

const indexHtml = readFileSync(join(REPO_ROOT, 'demo-shop', 'index.html'), 'utf8');

describe('pageWithSnippet', () => {
  it('pastes the snippet and init() at the marker of the shop index.html, before the shop scripts', () => {
    const html = pageWithSnippet(indexHtml, '/*snippet*/', { siteKey: 'shop' });
    const snippetAt = html.indexOf('<script>/*snippet*/</script>');
    expect(snippetAt).toBeGreaterThan(0);
    expect(html.indexOf('<script>hearth.init({"siteKey":"shop"});</script>')).toBeGreaterThan(snippetAt);
    expect(html.indexOf('src="/src/main.ts"')).toBeGreaterThan(snippetAt);
  });

  it('keeps $-sequences of minified code as they are', () => {
    const snippet = 'a.replace(/x/,"$&$1$$")';
    expect(pageWithSnippet(indexHtml, snippet, {})).toContain(`<script>${snippet}</script>`);
  });

  it('escapes < in config values, so a value cannot close the script tag', () => {
    const html = pageWithSnippet(indexHtml, '', { siteKey: '</script><script>alert(1)//' });
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).toContain('\\u003c/script>');
  });

  it('refuses a page without the marker instead of serving the shop without the SDK', () => {
    expect(() => pageWithSnippet('<html></html>', '', {})).toThrow(/marker/);
  });
});
