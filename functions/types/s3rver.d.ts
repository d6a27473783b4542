declare module 's3rver' {
  interface S3rverOptions {
    port?: number;
    address?: string;
    silent?: boolean;
    directory?: string;
  }
  class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    /** The filesystem store (internal). */
    store: {
      listObjects(bucket: string, options: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys?: number }): Promise<{ objects: Array<{ key: string }>; commonPrefixes: string[]; isTruncated: boolean }>;
    };
  }
  export = S3rver;
}
