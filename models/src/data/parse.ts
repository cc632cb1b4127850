import { parseBeauty } from './beauty';
import { parseJsonl } from './jsonl';
import type { ParseResult } from './line-errors';
import { parseRees46 } from './rees46';
import { parseTaobao } from './taobao';

export const DATASET_FORMATS = ['beauty', 'rees46', 'taobao', 'jsonl'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const PARSERS: Record<DatasetFormat, (text: string, fileName: string) => ParseResult> = {
  beauty: parseBeauty,
  rees46: parseRees46,
  taobao: parseTaobao,
  jsonl: parseJsonl,
};

export function isDatasetFormat(s: string): s is DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(s);
}

/** Parses a whole file's text; pure, so it runs in a browser worker as in Node. */
export function parseDataset(text: string, fileName: string, format: DatasetFormat): ParseResult {
  return PARSERS[format](text, fileName);
}
