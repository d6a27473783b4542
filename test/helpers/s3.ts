/**
 * A real S3 stand-in on loopback: s3rver 3.7.1 (HTTP, XML, signatures, streaming bodies) with one
 * correction and a request log. s3rver only reports a common prefix (ListObjectsV2 with a Delimiter)
 * when an object sits directly under it: its directory walk skips deeper folders, so
 * `AWSLogs/ACCOUNT/` would never be listed under `AWSLogs/`. S3 reports every folder; `list` below
 * does that from s3rver's own undelimited listing, and records each listing request so tests can
 * show what was (and was not) listed. Its continuation tokens do not work on Node 20 (they are DES
 * encrypted, which OpenSSL 3 leaves out): listings that need a second page are tested with
 * aws-sdk-client-mock instead.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface ListRequest {
  prefix: string;
  delimiter: string;
}

export interface S3StandIn {
  endpoint: string;
  client: S3Client;
  /** Every ListObjects request the server answered, in order. */
  lists: ListRequest[];
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  close(): Promise<void>;
}

export const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export async function startS3(buckets: readonly string[]): Promise<S3StandIn> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(join(tmpdir(), 'rekwatch-s3-')) });
  const { port } = await server.run();
  const lists: ListRequest[] = [];
  const store = server.store;
  const original = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const prefix = options.prefix ?? '';
    const delimiter = options.delimiter ?? '';
    lists.push({ prefix, delimiter });
    if (!delimiter) return original(bucket, options);
    const all = await original(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const folders = new Set<string>();
    const objects: typeof all.objects = [];
    for (const o of all.objects) {
      const at = o.key.indexOf(delimiter, prefix.length);
      if (at === -1) objects.push(o);
      else folders.add(o.key.slice(0, at + delimiter.length));
    }
    const max = options.maxKeys ?? Infinity;
    return { objects: objects.slice(0, max), commonPrefixes: [...folders].sort(), isTruncated: objects.length > max };
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }));
  return {
    endpoint,
    client,
    lists,
    put: async (Bucket, Key, Body) => {
      await client.send(new PutObjectCommand({ Bucket, Key, Body }));
    },
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}
