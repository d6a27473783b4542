/**
 * What `rekwatch watch` has already processed, persisted under the state directory so a restart
 * neither re-delivers old alerts nor misses files that arrived while it was down. A file counts as
 * processed at a given size and mtime; if it changes, it is processed again (alerts already handled
 * are skipped by id). A file is recorded only once every alert in it was delivered to every channel
 * or held back; until then it is read again and only what is still owed is delivered.
 *
 * The state also names the directories it has watched (`roots`): a directory it does not know yet
 * starts from now (its files are recorded, not delivered) unless the watch asks for history.
 *
 * Saving (write aside, then rename) can fail (a full disk): the change stays in memory, `dirty` says
 * so, and `save()` throws a WatchStateError naming the file and the cause; the caller retries it.
 * Which alerts were delivered is not decided here but in the delivery ledger (the state store), so an
 * unsaved state never re-delivers: it only makes the next run read those files again.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { writeFileAtomically } from './atomic-file';

export interface FileMark {
  size: number;
  mtimeMs: number;
}

interface StateFile {
  version: 1;
  files: Record<string, FileMark>;
  /** Recently handled (delivered everywhere, or held back) alert ids (bounded), so a re-processed file does not alert twice. */
  alerts: string[];
  /** Watched directories, with when watching them began (ms). Absent in states written before it existed. */
  roots?: Record<string, number>;
}

const MAX_ALERT_IDS = 50_000;

export class WatchStateError extends Error {
  override readonly name = 'WatchStateError';
}

/** Writes the state file's text; injected by tests (a full disk). */
export type SaveFile = (path: string, text: string) => void;

const defaultSave: SaveFile = (path, text) => writeFileAtomically(path, text);

export class WatchState {
  readonly path: string;
  private state: StateFile;
  private handled: Set<string>;
  private unsaved = false;

  constructor(
    stateDir: string,
    private readonly saveFile: SaveFile = defaultSave,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.path = join(stateDir, 'watch-state.json');
    this.state = { version: 1, files: {}, alerts: [] };
    try {
      const loaded = JSON.parse(readFileSync(this.path, 'utf8')) as StateFile;
      if (loaded.version === 1 && loaded.files && Array.isArray(loaded.alerts)) this.state = loaded;
    } catch {
      // no state yet (or unreadable: start afresh rather than refuse to run)
    }
    this.handled = new Set(this.state.alerts);
  }

  get dirty(): boolean {
    return this.unsaved;
  }

  /** Whether this state has watched `root` before (states older than `roots`: any file under it recorded). */
  knowsRoot(root: string): boolean {
    if (this.state.roots?.[root] !== undefined) return true;
    return Object.keys(this.state.files).some((f) => f.startsWith(root + sep));
  }

  addRoot(root: string, since: number): void {
    this.state.roots = { ...this.state.roots, [root]: since };
    this.unsaved = true;
  }

  isProcessed(file: string, mark: FileMark): boolean {
    const m = this.state.files[file];
    return m !== undefined && m.size === mark.size && m.mtimeMs === mark.mtimeMs;
  }

  hasAlert(id: string): boolean {
    return this.handled.has(id);
  }

  /** Records handled alert ids and, when given, a processed file (in memory: `save()` persists). */
  record(alertIds: readonly string[], file?: string, mark?: FileMark): void {
    if (file !== undefined && mark !== undefined) this.state.files[file] = mark;
    for (const id of alertIds) {
      if (this.handled.has(id)) continue;
      this.handled.add(id);
      this.state.alerts.push(id);
    }
    if (this.state.alerts.length > MAX_ALERT_IDS) {
      this.state.alerts = this.state.alerts.slice(-MAX_ALERT_IDS);
      this.handled = new Set(this.state.alerts);
    }
    if (alertIds.length > 0 || file !== undefined) this.unsaved = true;
  }

  /** Persists the state (write aside, then rename); throws a WatchStateError naming the cause. */
  save(): void {
    if (!this.unsaved) return;
    try {
      this.saveFile(this.path, JSON.stringify(this.state));
    } catch (e) {
      throw new WatchStateError(`cannot save progress to ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    this.unsaved = false;
  }
}
