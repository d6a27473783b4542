/**
 * `rekwatch serve`: the mute page on loopback, for mute links in locally delivered alerts. Alerts get
 * links when REKWATCH_MUTE_URL (or `--mute-url`) names this server's address.
 */
import { localLinkKey } from '../adapters/link-key';
import { MuteStore } from '../adapters/mute-store';
import { startMuteServer } from '../mute-page/server';
import { writeLine, type CliIo } from './io';
import { loadRulesForCommand } from './load-rules';
import { mutePolicy } from './mutes';
import { openState, stateDirFor } from './state';

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
  if (!Number.isInteger(opts.port) || opts.port > 65_535) {
    writeLine(io.stderr, `rekwatch serve: --port ${opts.port}: must be 0 to 65535`);
    return 2;
  }
  const state = await openState(io, { stateDir: opts.stateDir });
  let server;
  try {
    server = await startMuteServer(
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
  } catch (e) {
    await state.close();
    const code = (e as NodeJS.ErrnoException).code;
    writeLine(io.stderr, `rekwatch serve: cannot listen on ${opts.host}:${opts.port}: ${code === 'EADDRINUSE' ? 'the port is in use (another rekwatch serve?); pick one with --port' : (e as Error).message}`);
    return 2;
  }
  writeLine(io.stderr, `rekwatch serve: mute page on ${server.url}; alerts delivered by watch / replay --deliver carry mute links when REKWATCH_MUTE_URL=${server.url} is set. Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  await state.close();
  return 0;
}
