import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../data/parse';
import { loadDataset, loadDatasetWithReport } from './load-dataset';
import { BEAUTY_PATH, REES46_PATH, sharedDataPath } from './shared-data';

describe('loadDataset', () => {
  it('streams a file to the same dataset as parsing its text', async () => {
    for (const [path, format] of [
      [BEAUTY_PATH, 'beauty'],
      [REES46_PATH, 'rees46'],
    ] as const) {
      const file = sharedDataPath(path);
      const streamed = await loadDataset(file, format);
      const parsed = parseDataset(await readFile(file, 'utf8'), streamed.name, format).dataset;
      expect(streamed).toEqual(parsed);
    }
  });

  it('numbers lines as the file does, with CRLF endings and blank lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-load-'));
    const file = join(dir, 'log.jsonl');
    const good = '{"user":"u","item":"a","action":"view","time":1}';
    const lines = [good, '', good, '{"user":"u"}', ...Array(300).fill(good)];
    await writeFile(file, lines.join('\r\n'));
    const r = await loadDatasetWithReport(file, 'jsonl');
    expect(r.errorCount).toBe(1);
    expect(r.errors[0]).toMatchObject({ file: 'log.jsonl', line: 4 });
    expect(r.lines).toBe(303);
  });

  it('fails with a summary naming file:line when too many lines are malformed', async () => {
    await expect(loadDataset(sharedDataPath(REES46_PATH), 'jsonl')).rejects.toThrow(
      /2019-Oct-sample\.csv: 1001 of 1001 lines are malformed \(100\.00% > 1\.00% allowed\)[\s\S]*2019-Oct-sample\.csv:1: not valid JSON/,
    );
  });
});
