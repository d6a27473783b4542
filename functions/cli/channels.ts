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
import { localLinkKey } from '../adapters/link-key';
import { safeHttpUrl } from '../core/format/model';
import type { LinkSigner } from '../core/suppress/mute-links/links';
import { writeLine, type CliIo } from './io';
import { stateDirFor } from './state';

export interface ChannelOptions {
  /** `--channels FILE`. */
  channels?: string;
  /** `--deliver-file PATH`. */
  deliverFile?: string;
  /** `--state-dir DIR`. */
  stateDir?: string;
}

/** The state directory's channels file, read when no other is named (it may not exist). */
export function implicitChannelsPath(io: CliIo, opts: Pick<ChannelOptions, 'stateDir'>): string {
  return resolve(stateDirFor(io, opts.stateDir), 'channels.json');
}

/** The channels file in use, or undefined when there is none. */
export function channelsFilePath(io: CliIo, opts: ChannelOptions): string | undefined {
  const env = io.env ?? process.env;
  if (opts.channels) return resolve(io.cwd, opts.channels);
  if (env.REKWATCH_CHANNELS) return resolve(io.cwd, env.REKWATCH_CHANNELS);
  const implicit = implicitChannelsPath(io, opts);
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

/**
 * The mute-link signer for locally delivered alerts: `--mute-url` or $REKWATCH_MUTE_URL (the
 * address of `rekwatch serve`), with the state directory's link key; undefined when neither is set.
 */
export function linkSignerFor(io: CliIo, opts: { muteUrl?: string; stateDir?: string }): LinkSigner | undefined | null {
  const url = opts.muteUrl ?? (io.env ?? process.env).REKWATCH_MUTE_URL;
  if (!url) return undefined;
  if (safeHttpUrl(url) === null) {
    writeLine(io.stderr, `rekwatch: ${opts.muteUrl ? '--mute-url' : 'REKWATCH_MUTE_URL'}: "${url}" is not an http(s) URL (like http://127.0.0.1:8787/)`);
    return null;
  }
  return { baseUrl: url, key: localLinkKey(stateDirFor(io, opts.stateDir)) };
}
