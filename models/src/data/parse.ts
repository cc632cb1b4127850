import { beautyParser } from './beauty';
import { jsonlParser } from './jsonl';
import type { ParseResult } from './line-errors';
import { type LineParser, parseText } from './line-parser';
import { rees46Parser } from './rees46';
import { taobaoParser } from './taobao';

export const DATASET_FORMATS = ['beauty', 'rees46', 'taobao', 'jsonl'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

const PARSERS: Record<DatasetFormat, (fileName: string) => LineParser> = {
  beauty: beautyParser,
  rees46: rees46Parser,
  taobao: taobaoParser,
  jsonl: jsonlParser,
};

export function isDatasetFormat(s: string): s is DatasetFormat {
  return (DATASET_FORMATS as readonly string[]).includes(s);
}

/** A line-at-a-time parser for a format (streaming readers feed it; see node/load-dataset.ts). */
export function createLineParser(format: DatasetFormat, fileName: string): LineParser {
  return PARSERS[format](fileName);
}

/** Parses a whole file's text; pure, so it runs in a browser worker as in Node. */
export function parseDataset(text: string, fileName: string, format: DatasetFormat): ParseResult {
  return parseText(createLineParser(format, fileName), text);
}
