/**
 * The local delivery channels for a command, or null after printing why they are misconfigured.
 * The channels file is `--channels FILE`, else $REKWATCH_CHANNELS, else `<state dir>/channels.json`
 * when it exists (state dir: --state-dir, $REKWATCH_STATE_DIR, or .rekwatch); environment variables
 * override it (functions/adapters/delivery/configure.ts).
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { DeliveryChannel } from '../adapters/delivery/channel';
import { readChannelsFile, type ChannelsConfig } from '../adapters/delivery/channels-file';
import { buildChannels, ChannelConfigError } from '../adapters/delivery/configure';
import { writeLine, type CliIo } from './io';

export interface ChannelOptions {
  /** `--channels FILE`. */
  channels?: string;
  /** `--deliver-file PATH`. */
  deliverFile?: string;
  /** `--state-dir DIR`. */
  stateDir?: string;
}

export function stateDirFor(io: CliIo, stateDir?: string): string {
  return resolve(io.cwd, stateDir ?? (io.env ?? process.env).REKWATCH_STATE_DIR ?? '.rekwatch');
}

/** The channels file in use, or undefined when there is none. */
export function channelsFilePath(io: CliIo, opts: ChannelOptions): string | undefined {
  const env = io.env ?? process.env;
  if (opts.channels) return resolve(io.cwd, opts.channels);
  if (env.REKWATCH_CHANNELS) return resolve(io.cwd, env.REKWATCH_CHANNELS);
  const implicit = resolve(stateDirFor(io, opts.stateDir), 'channels.json');
  return existsSync(implicit) ? implicit : undefined;
}

export function channelsForCommand(io: CliIo, opts: ChannelOptions = {}): DeliveryChannel[] | null {
  try {
    const path = channelsFilePath(io, opts);
    const config: ChannelsConfig = path ? readChannelsFile(path) : {};
    return buildChannels(config, io.env ?? process.env, {
      file: opts.deliverFile ? resolve(io.cwd, opts.deliverFile) : undefined,
      source: path ? relative(io.cwd, path) || path : undefined,
    });
  } catch (e) {
    if (!(e instanceof ChannelConfigError)) throw e;
    writeLine(io.stderr, `rekwatch: ${e.message}`);
    return null;
  }
}
