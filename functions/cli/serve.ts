/**
 * `rekwatch serve`: the mute page on loopback, for mute links in locally delivered alerts. Alerts get
 * links when REKWATCH_MUTE_URL (or `--mute-url`) names this server's address.
 */
import { localLinkKey } from '../adapters/link-key';
import { MuteStore } from '../adapters/mute-store';
import { startMuteServer } from '../mute-page/server';
import { stateDirFor } from './channels';
import { writeLine, type CliIo } from './io';
import { loadRulesForCommand } from './load-rules';
import { mutePolicy } from './mutes';
import { openState } from './state';

export interface ServeOptions {
  host: string;
  port: number;
  stateDir?: string;
  rules: string;
  config?: string;
  signal?: AbortSignal;
}

export async function serveCommand(opts: ServeOptions, io: CliIo): Promise<number> {
  if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
    writeLine(io.stderr, `rekwatch serve: --host ${opts.host}: serve only listens on loopback (it has no TLS and no login); put a reverse proxy in front for more`);
    return 2;
  }
  const load = loadRulesForCommand(opts.rules, io, io.stderr, opts.config);
  const ruleNames = new Map((load?.pack.rules ?? []).map((r) => [r.id, r.name]));
  const stateDir = stateDirFor(io, opts.stateDir);
  const state = await openState(io, { stateDir: opts.stateDir });
  const server = await startMuteServer(
    {
      key: localLinkKey(stateDir),
      mutes: new MuteStore(state.client, { tableName: state.tableName, now: io.now }),
      now: io.now ?? Date.now,
      policy: mutePolicy(load?.config ?? {}),
      ruleNames,
      secureCookies: false,
    },
    { host: opts.host, port: opts.port, onError: (e) => writeLine(io.stderr, `rekwatch serve: ${(e as Error).stack ?? String(e)}`) },
  );
  writeLine(io.stderr, `rekwatch serve: mute page on ${server.url}; alerts delivered by watch / replay --deliver carry mute links when REKWATCH_MUTE_URL=${server.url} is set. Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  await state.close();
  return 0;
}
