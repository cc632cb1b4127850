import { alignToCatalog } from '../data/align-catalog';
import type { BatchScorer } from '../eval/evaluate';
import { expectedShapes, recommenderFromArtifact } from '../model/artifact-bridge';
import { parseModelConfig } from '../model/config';
import { readArtifactFiles } from '../node/artifact-files';
import { type BackendName, describeBackend, selectBackend } from '../node/backends';
import type { Dataset } from '../types';

export interface ModelSource {
  title: string;
  /** The data re-indexed into the model's catalog. */
  dataset: Dataset;
  scorer: BatchScorer;
  dispose: () => void;
}

/**
 * Loads an artifact directory as a scorer for the evaluator: reads and verifies the files, checks that
 * the tensors are exactly the ones its architecture needs, and maps the data's items into the model's
 * catalog (so a file parsed separately still lines up with the model's item rows).
 */
export async function loadModelSource(
  dir: string,
  dataset: Dataset,
  backend?: BackendName,
): Promise<ModelSource> {
  const selected = await selectBackend(backend);
  const decoded = await readArtifactFiles(dir, {
    shapes: (manifest) => expectedShapes(parseModelConfig(manifest.architecture)),
  });
  const aligned = alignToCatalog(dataset, decoded.manifest.catalog.itemIds);
  const recommender = recommenderFromArtifact(decoded);
  return {
    title: `model ${dir} on ${describeBackend(selected)}`,
    dataset: aligned,
    scorer: (histories) => recommender.scoreAll(histories),
    dispose: () => recommender.dispose(),
  };
}
