import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { assertUsable, type ParseResult, type UsableOptions } from '../data/line-errors';
import { type DatasetFormat, parseDataset } from '../data/parse';
import type { Dataset } from '../types';

export type LoadedDataset = ParseResult;

/**
 * Reads and parses a data file. Throws a DatasetError (with file:line messages) when more than
 * `maxErrorRate` of the lines are malformed or nothing usable is left; a smaller number of malformed
 * lines is dropped and returned in `errors` for the caller to report.
 */
export async function loadDatasetWithReport(
  path: string,
  format: DatasetFormat,
  options: UsableOptions = {},
): Promise<LoadedDataset> {
  const text = await readFile(path, 'utf8');
  const result = parseDataset(text, basename(path), format);
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
