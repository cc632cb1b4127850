import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The real data sets live outside the repository, in `../shared/data/` relative to its root
 * (see shared/data/README.md); tests and benchmarks read them from there and never copy them in.
 */
export const SHARED_DATA_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');

export function sharedDataPath(relative: string): string {
  const path = join(SHARED_DATA_DIR, relative);
  if (!existsSync(path))
    throw new Error(`shared data file missing: ${path} (expected ../shared/data beside the repo)`);
  return path;
}

export const BEAUTY_PATH = 'amazon-beauty/Beauty.txt';
export const REES46_PATH = 'rees46-sample/2019-Oct-sample.csv';
export const TAOBAO_PATH = 'taobao-sample/UserBehavior.csv';
