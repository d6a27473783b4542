/**
 * Counting for a backtest: what the trail reader and the record pipeline report goes into
 * `ReplayStats`, plus the samples the report names (the first SAMPLE_LIMIT malformed inputs and rule
 * errors, every unreadable path), the paths named by the user that could not be read, and the alerts
 * each live mute held back. Pure: it returns the notes to print as they happen, the caller prints them.
 */
import type { AlertOutcome, RecordOutcome } from '../pipeline/record-pipeline';
import { ReplayStats } from './replay-stats';
import type { Alert } from '../common/types';

/** Malformed inputs and rule errors named in full; the rest are counted. */
export const SAMPLE_LIMIT = 20;

/** What counting one record gave: notes to print now (with --json), and the alerts to deliver. */
export interface Counted {
  notes: readonly string[];
  deliver: readonly Alert[];
}

const NOTHING: Counted = { notes: [], deliver: [] };

export class ReplayTally {
  readonly stats = new ReplayStats();
  readonly malformedSamples: string[] = [];
  readonly ruleErrorSamples: string[] = [];
  readonly unreadable: string[] = [];
  /** Paths the user named that could not be read at all (not files skipped inside a directory). */
  readonly unreadableArguments: string[] = [];
  /** Alerts held back, by mute id. */
  readonly byMute = new Map<string, number>();

  file(): void {
    this.stats.files++;
  }

  bytes(n: number): void {
    this.stats.bytes += n;
  }

  /** A path that could not be read; returns the note to print. */
  unreadablePath(file: string, reason: string, argument: boolean): string {
    this.stats.unreadable++;
    this.unreadable.push(`${file}: ${reason}`);
    if (argument) this.unreadableArguments.push(file);
    return `rekwatch: cannot read ${file}: ${reason}`;
  }

  /** A record the reader could not parse (`text` says where and why); the note to print, if it is named. */
  malformed(text: string): string | undefined {
    this.stats.records++;
    return this.noteMalformed(text);
  }

  /** Counts one record's outcome (`file` and `where`, its position, name it in notes). */
  record(outcome: RecordOutcome, file: string, where: string): Counted {
    const { stats } = this;
    stats.records++;
    switch (outcome.status) {
      case 'malformed': {
        const note = this.noteMalformed(`${file}: ${where}: ${outcome.reason}`);
        return note === undefined ? NOTHING : { notes: [note], deliver: [] };
      }
      case 'duplicate':
        stats.duplicates++;
        return NOTHING;
      case 'outOfScope':
        stats.outOfScope++;
        return NOTHING;
      case 'evaluated':
        break;
    }
    stats.evaluated++;
    if (outcome.errors.length === 0 && outcome.alerts.length === 0) return NOTHING;
    const notes: string[] = [];
    for (const e of outcome.errors) {
      stats.ruleErrors++;
      if (this.ruleErrorSamples.length < SAMPLE_LIMIT) {
        const text = `${e.ruleId} on event ${outcome.eventId ?? 'unknown'} (${file}: ${where}): ${e.message}`;
        this.ruleErrorSamples.push(text);
        notes.push(`rekwatch: rule error: ${text}`);
      }
    }
    return { notes, deliver: this.alerts(outcome.alerts) };
  }

  /** Counts alerts and their verdicts (a record's, or those the detect stage raised); returns those to deliver. */
  alerts(outcomes: readonly AlertOutcome[]): Alert[] {
    const { stats } = this;
    const deliver: Alert[] = [];
    for (const { matched, verdict } of outcomes) {
      stats.addAlert(matched);
      if (verdict.deliver) {
        deliver.push(verdict.alert);
      } else {
        stats.suppressed[verdict.reason]++;
        if (verdict.reason === 'mute') this.byMute.set(verdict.muteId, (this.byMute.get(verdict.muteId) ?? 0) + 1);
      }
    }
    return deliver;
  }

  /** The rule errors not named, as one note for the end of the run (undefined when all were named). */
  unnamedRuleErrors(): string | undefined {
    const rest = this.stats.ruleErrors - this.ruleErrorSamples.length;
    return rest > 0 ? `rekwatch: rule error: ${rest} more; only the first ${SAMPLE_LIMIT} are named (see "ruleErrors" in the summary)` : undefined;
  }

  private noteMalformed(text: string): string | undefined {
    const { stats } = this;
    stats.malformed++;
    if (this.malformedSamples.length < SAMPLE_LIMIT) {
      this.malformedSamples.push(text);
      return `rekwatch: malformed: ${text}`;
    }
    if (stats.malformed === SAMPLE_LIMIT + 1) {
      return `rekwatch: malformed: more malformed input; only the first ${SAMPLE_LIMIT} are named (see "malformed" in the summary)`;
    }
    return undefined;
  }
}
