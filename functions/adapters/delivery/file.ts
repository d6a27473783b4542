/** Appends each alert as one JSON line to a file (for other tools to pick up). */
import { appendFile } from 'node:fs/promises';
import type { Alert } from '../../core/common/types';
import type { DeliveryChannel } from './channel';

export class FileChannel implements DeliveryChannel {
  readonly name: string;

  constructor(private readonly path: string) {
    this.name = `file (${path})`;
  }

  async deliver(alert: Alert): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(alert)}\n`);
  }
}
