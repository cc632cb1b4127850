import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { assertUsable, type ParseResult, type UsableOptions } from '../data/line-errors';
import { createLineParser, type DatasetFormat } from '../data/parse';
import type { Dataset } from '../types';

export type LoadedDataset = ParseResult;

/**
 * Streams a data file line by line into its parser (a log of any size, not bounded by the maximum
 * string length). Throws a DatasetError (with file:line messages) when more than `maxErrorRate` of the
 * lines are malformed or nothing usable is left; fewer malformed lines are dropped and returned in
 * `errors` for the caller to report.
 */
export async function loadDatasetWithReport(
  path: string,
  format: DatasetFormat,
  options: UsableOptions = {},
): Promise<LoadedDataset> {
  const parser = createLineParser(format, basename(path));
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() !== '') parser.line(lineNo, line);
  }
  const result = parser.finish();
  assertUsable(result, options);
  return result;
}

export async function loadDataset(
  path: string,
  format: DatasetFormat,
  options: UsableOptions = {},
): Promise<Dataset> {
  return (await loadDatasetWithReport(path, format, options)).dataset;
}
