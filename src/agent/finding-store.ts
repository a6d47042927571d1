import { randomUUID, createHash } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import type { Drift } from '../compare/drift.js';
import type { Severity } from '../common/severity-levels.js';
import type { Attribution } from './stats-poller.js';

/** One drift episode of one resource: from detected to resolved, under one id. */
export interface Finding {
  readonly id: string;
  readonly key: string;
  readonly service: string;
  readonly resourceType: string;
  readonly name: string;
  kind: Drift['kind'];
  severity: Severity;
  fingerprint: string;
  readonly firstSeen: string;
  lastSeen: string;
  lastNotified: string;
  attribution: Attribution;
  drift: Drift;
}

export type Transition =
  | { readonly type: 'drift.detected'; readonly finding: Finding }
  | { readonly type: 'drift.updated'; readonly finding: Finding; readonly reminder: boolean }
  | { readonly type: 'drift.resolved'; readonly finding: Finding };

const STATE_FILE = 'findings.json';

function keyOf(drift: Drift): string {
  return `${drift.service}|${drift.resourceType}/${drift.name}`;
}

function fingerprintOf(drift: Drift): string {
  return createHash('sha256').update(JSON.stringify([drift.kind, drift.severity, drift.liveHash ?? '', drift.details ?? '', drift.paths.map((p) => p.path)])).digest('hex');
}

/**
 * The open findings, kept in the data dir so that a restarted agent neither
 * loses nor re-announces them. Each report is turned into transitions: one
 * event per change, a reminder at most every `reminderIntervalMs`.
 */
export class FindingStore {
  private open = new Map<string, Finding>();
  /** Ids given to detections not journaled yet: a retry announces the same finding, not a new one. */
  private readonly pendingIds = new Map<string, string>();
  private dirty = false;

  private constructor(
    private readonly dataDir: string,
    private readonly reminderIntervalMs: number,
  ) {}

  static async load(dataDir: string, reminderIntervalMs: number): Promise<FindingStore> {
    const store = new FindingStore(dataDir, reminderIntervalMs);
    await mkdir(dataDir, { recursive: true });
    try {
      const saved = JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as { findings?: Finding[] };
      for (const finding of saved.findings ?? []) store.open.set(finding.key, finding);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A damaged state file must not stop the agent; its findings are re-detected under new ids.
        await rename(join(dataDir, STATE_FILE), join(dataDir, `${STATE_FILE}.damaged-${Date.now()}`)).catch(() => undefined);
      }
    }
    return store;
  }

  findings(): Finding[] {
    return [...this.open.values()];
  }

  /** Applies one complete check's findings at once (plan, then commit every transition). */
  apply(drift: readonly Drift[], attributionOf: (d: Drift) => Attribution, now: Date): Transition[] {
    const transitions = this.plan(drift, attributionOf, now);
    for (const transition of transitions) this.commit(transition);
    return transitions;
  }

  /**
   * The transitions one complete check implies, without applying them: a
   * transition counts only once its event is journaled, so the caller commits
   * each one after its event is on disk. One not committed (the disk was
   * full) is planned again by the next check, under the same finding id.
   */
  plan(drift: readonly Drift[], attributionOf: (d: Drift) => Attribution, now: Date): Transition[] {
    const transitions: Transition[] = [];
    const seen = new Set<string>();
    const time = now.toISOString();
    for (const d of drift) {
      const key = keyOf(d);
      seen.add(key);
      const fingerprint = fingerprintOf(d);
      const existing = this.open.get(key);
      if (!existing) {
        const pending = this.pendingIds.get(key);
        const finding: Finding = {
          id: pending ?? randomUUID(),
          key,
          service: d.service,
          resourceType: d.resourceType,
          name: d.name,
          kind: d.kind,
          severity: d.severity,
          fingerprint,
          firstSeen: time,
          lastSeen: time,
          lastNotified: time,
          attribution: attributionOf(d),
          drift: d,
        };
        this.pendingIds.set(key, finding.id);
        transitions.push({ type: 'drift.detected', finding });
        continue;
      }
      existing.lastSeen = time;
      if (existing.fingerprint !== fingerprint) {
        const finding = { ...existing, kind: d.kind, severity: d.severity, fingerprint, drift: d, lastNotified: time, attribution: attributionOf(d) };
        transitions.push({ type: 'drift.updated', finding, reminder: false });
      } else if (now.getTime() - Date.parse(existing.lastNotified) >= this.reminderIntervalMs) {
        transitions.push({ type: 'drift.updated', finding: { ...existing, lastNotified: time }, reminder: true });
      }
    }
    for (const [key, finding] of this.open) {
      if (seen.has(key)) continue;
      transitions.push({ type: 'drift.resolved', finding: { ...finding, lastSeen: time } });
    }
    return transitions;
  }

  /** Makes one planned transition part of the state (its event is journaled); the state file is then due. */
  commit(transition: Transition): void {
    const { finding } = transition;
    this.dirty = true;
    if (transition.type === 'drift.resolved') {
      this.open.delete(finding.key);
      return;
    }
    this.pendingIds.delete(finding.key);
    this.open.set(finding.key, finding);
  }

  /** Whether committed transitions are not in the state file yet (a save failed, or none ran). */
  get unsaved(): boolean {
    return this.dirty;
  }

  /** Written atomically: a crash leaves the old file or the new one, never half of one. */
  async save(): Promise<void> {
    this.dirty = false;
    try {
      await writeFileAtomic(join(this.dataDir, STATE_FILE), JSON.stringify({ version: 1, findings: this.findings() }));
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }
}
