/**
 * What `rekwatch watch` has already processed, persisted under the state directory so a restart
 * neither re-delivers old alerts nor misses files that arrived while it was down. A file counts as
 * processed at a given size and mtime; if it changes, it is processed again (duplicate events in it
 * are dropped by alert id).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface FileMark {
  size: number;
  mtimeMs: number;
}

interface StateFile {
  version: 1;
  files: Record<string, FileMark>;
  /** Recently delivered alert ids (bounded), so a re-processed file does not alert twice. */
  alerts: string[];
}

const MAX_ALERT_IDS = 50_000;

export class WatchState {
  private readonly path: string;
  private state: StateFile;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.path = join(stateDir, 'watch-state.json');
    this.state = { version: 1, files: {}, alerts: [] };
    try {
      const loaded = JSON.parse(readFileSync(this.path, 'utf8')) as StateFile;
      if (loaded.version === 1 && loaded.files && Array.isArray(loaded.alerts)) this.state = loaded;
    } catch {
      // no state yet (or unreadable: start afresh rather than refuse to run)
    }
  }

  isProcessed(file: string, mark: FileMark): boolean {
    const m = this.state.files[file];
    return m !== undefined && m.size === mark.size && m.mtimeMs === mark.mtimeMs;
  }

  hasAlert(id: string): boolean {
    return this.state.alerts.includes(id);
  }

  /** Records a processed file and the alerts delivered from it, durably (write then rename). */
  commit(file: string, mark: FileMark, alertIds: readonly string[]): void {
    this.state.files[file] = mark;
    this.state.alerts.push(...alertIds);
    if (this.state.alerts.length > MAX_ALERT_IDS) this.state.alerts = this.state.alerts.slice(-MAX_ALERT_IDS);
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.path);
  }
}
