/** The local delivery channels for a command, or null after printing why they are misconfigured. */
import { resolve } from 'node:path';
import type { DeliveryChannel } from '../adapters/delivery/channel';
import { ChannelConfigError, channelsFromEnv } from '../adapters/delivery/from-env';
import { writeLine, type CliIo } from './io';

export function channelsForCommand(io: CliIo, deliverFile?: string): DeliveryChannel[] | null {
  try {
    return channelsFromEnv(io.env ?? process.env, { file: deliverFile ? resolve(io.cwd, deliverFile) : undefined });
  } catch (e) {
    if (!(e instanceof ChannelConfigError)) throw e;
    writeLine(io.stderr, `rekwatch: ${e.message}`);
    return null;
  }
}
