/**
 * The plan of a backtest on AWS: the trail objects left after pruning (the same listing a local
 * `replay s3://` reads, in key order), split into batches of consecutive objects, each at most
 * `maxObjects` objects and `maxBytes` bytes of objects (an object larger than that is a batch of its
 * own), and each small enough as JSON to be one Distributed Map item (`maxItemBytes`; a child
 * execution's input is limited to 256 KiB). The CLI writes the batches as a JSON array (the
 * manifest) that the state machine's ItemReader reads; a batch's `index` is its place in the array,
 * and the merge takes the results in that order.
 *
 * Batching here, not with the Map's ItemBatcher: ItemBatcher bounds the bytes of the items' JSON,
 * not the bytes of the objects they name, and a worker's run time follows the objects' bytes.
 */
export interface ManifestObject {
  key: string;
  size: number;
}

export interface ManifestBatch {
  index: number;
  objects: ManifestObject[];
}

export interface BatchLimits {
  maxObjects: number;
  maxBytes: number;
  /** The most bytes of one batch as JSON. */
  maxItemBytes: number;
}

/**
 * 1,000 objects, 128 MiB of gzip objects, 128 KiB of JSON: at the worker's assumed 1 MB/s of gzip
 * (core/backtest/cost.ts) a full batch takes about 2 minutes, well inside Lambda's 15, and its
 * result (about a quarter of the input's gzip size, held whole by the worker and by the CLI's merge)
 * stays in the tens of MB.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxObjects: 1000, maxBytes: 128 * 1024 ** 2, maxItemBytes: 128 * 1024 };

/** Bytes of `{"key":"…","size":N}` plus a comma (keys are ASCII in trail buckets; a bound, not exact, otherwise). */
const itemBytes = (o: ManifestObject) => JSON.stringify(o).length * 3 + 1;

/** The objects in batches, in order; every object in exactly one batch. */
export function planBatches(objects: readonly ManifestObject[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): ManifestBatch[] {
  const batches: ManifestBatch[] = [];
  let current: ManifestObject[] = [];
  let bytes = 0;
  let json = 0;
  for (const o of objects) {
    const size = itemBytes(o);
    if (current.length > 0 && (current.length >= limits.maxObjects || bytes + o.size > limits.maxBytes || json + size > limits.maxItemBytes)) {
      batches.push({ index: batches.length, objects: current });
      current = [];
      bytes = 0;
      json = 0;
    }
    current.push({ key: o.key, size: o.size });
    bytes += o.size;
    json += size;
  }
  if (current.length > 0) batches.push({ index: batches.length, objects: current });
  return batches;
}

/** The manifest object's text: the batches as a JSON array (what S3JsonItemReader reads). */
export function manifestText(batches: readonly ManifestBatch[]): string {
  return JSON.stringify(batches);
}

/** Totals of a plan, for the preview line and the cost estimate. */
export function planTotals(batches: readonly ManifestBatch[]): { objects: number; bytes: number; batches: number } {
  let objects = 0;
  let bytes = 0;
  for (const b of batches) {
    objects += b.objects.length;
    for (const o of b.objects) bytes += o.size;
  }
  return { objects, bytes, batches: batches.length };
}
