import { syncFolder } from '../common/atomic-write.js';
import { EventEmitter } from 'node:events';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { DriftError, ErrorCodes } from '../errors.js';
import { createEvent, type DriftEvent, type EventInput, type ProxyIdentity } from '../events/event.js';
import { checkpointEvent, type CheckpointHead } from './checkpoint.js';
import type { CursorStore } from './cursor-store.js';
import { JournalLock } from './journal-lock.js';
import { encodeRecord, GENESIS_HASH, type JournalRecord } from './record.js';
import { recoverJournal, type SizedSegment } from './recovery.js';
import { dropOldestSegment } from './retention.js';
import { journalDir, segmentName, type SegmentFile } from './segments.js';

export interface JournalOptions {
  readonly dataDir: string;
  /** A segment is closed and a new one started once it reaches this size. */
  readonly segmentBytes?: number;
  /** Total size bound; the oldest segments are dropped past it. */
  readonly maxBytes?: number;
  /**
   * Write the head (sequence and hash) as an `audit.checkpoint` record at least
   * every `every` records and every `intervalMs` while anything was written,
   * signed when a key is given. The sinks carry it off the node: the anchor
   * `audit verify --anchor` checks a tail deletion against.
   */
  readonly checkpoint?: { readonly every: number; readonly intervalMs?: number; readonly privateKey?: KeyObject };
  readonly proxy?: ProxyIdentity;
  /** Cursors of the sinks that read this journal, consulted before dropping a segment. */
  readonly cursors?: CursorStore;
  readonly sinkNames?: readonly string[];
}

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** Stands for a checkpoint in the queue: it is signed at write time, over the record just before it. */
const CHECKPOINT = Symbol('checkpoint');
type Entry = DriftEvent | typeof CHECKPOINT;

interface Pending {
  readonly event: Entry;
  readonly resolve: (record: JournalRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The append-only, hash-chained, segmented journal. An event counts as
 * emitted only once `append` resolves: its record is written and fdatasync'd.
 * Appends that arrive while a sync is running are written together in the
 * next one (group commit). Emits `commit` with the last committed sequence,
 * and `failure` for a background failure (a gap event that could not be written).
 * Recovery at open, the size bound and the lock live in their own modules.
 */
export class Journal extends EventEmitter<{ commit: [number]; failure: [DriftError]; checkpoint: [CheckpointHead] }> {
  readonly dir: string;
  readonly #options: JournalOptions;
  readonly #segmentBytes: number;
  readonly #maxBytes: number;
  #segments: SizedSegment[] = [];
  #handle: FileHandle | undefined;
  #seq = 0;
  #hash = GENESIS_HASH;
  #lastCheckpointSeq = 0;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;
  #lock: JournalLock | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #lastCheckpoint: CheckpointHead | undefined;

  private constructor(options: JournalOptions) {
    super();
    // every sink runner waits on `commit`; their number is the number of sinks
    this.setMaxListeners(0);
    this.#options = options;
    this.dir = journalDir(options.dataDir);
    this.#segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  static async open(options: JournalOptions): Promise<Journal> {
    const journal = new Journal(options);
    try {
      await mkdir(journal.dir, { recursive: true });
      journal.#lock = await JournalLock.acquire(journal.dir);
      await journal.#recover();
      const last = journal.#segments.at(-1);
      if (!last) await journal.#startSegment(journal.#seq + 1);
      else journal.#handle = await open(last.path, 'a');
    } catch (error) {
      await journal.#lock?.release();
      if (error instanceof DriftError) throw error;
      throw new DriftError(ErrorCodes.JOURNAL_IO, `${journal.dir}: ${(error as Error).message}`, { cause: error });
    }
    const interval = options.checkpoint?.intervalMs;
    if (interval) {
      journal.#checkpointTimer = setInterval(() => void journal.checkpoint().catch((error: unknown) => journal.emit('failure', asJournalError(journal.dir, error))), interval);
      journal.#checkpointTimer.unref();
    }
    return journal;
  }

  /** The newest checkpoint this process wrote. */
  get lastCheckpoint(): CheckpointHead | undefined {
    return this.#lastCheckpoint;
  }

  /** Sequence number of the last record synced to disk. */
  get committedSeq(): number {
    return this.#seq;
  }

  get headHash(): string {
    return this.#hash;
  }

  /** The segment files, oldest first (a copy). */
  segments(): readonly SegmentFile[] {
    return this.#segments.map(({ firstSeq, path }) => ({ firstSeq, path }));
  }

  get sizeBytes(): number {
    return this.#segments.reduce((total, s) => total + s.size, 0);
  }

  /** Appends an event; resolves once its record is on disk. */
  append(event: DriftEvent): Promise<JournalRecord> {
    return this.#enqueue(event);
  }

  #enqueue(event: Entry): Promise<JournalRecord> {
    if (this.#closed) return Promise.reject(new DriftError(ErrorCodes.JOURNAL_CLOSED, `${this.dir}: journal is closed`));
    return new Promise((resolve, reject) => {
      this.#pending.push({ event, resolve, reject });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushing) return;
    this.#flushing = this.#flushLoop().finally(() => {
      this.#flushing = undefined;
      // an append that came after the loop's last look but before this callback
      if (this.#pending.length > 0) this.#scheduleFlush();
    });
  }

  async #idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Builds an event with this journal's proxy identity and appends it. */
  add(input: EventInput): Promise<JournalRecord> {
    let event: DriftEvent;
    try {
      event = createEvent(input, this.#options.proxy);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.append(event);
  }

  /** Writes (and signs, with a key) the head now when checkpoints are on and anything was written since the last one. */
  async checkpoint(): Promise<void> {
    await this.#idle();
    if (this.#closed || !this.#options.checkpoint || this.#seq <= this.#lastCheckpointSeq) return;
    await this.#enqueue(CHECKPOINT);
  }

  /** Signs the head (see checkpoint), then closes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#checkpointTimer);
    await this.checkpoint().catch((error: unknown) => this.emit('failure', error as DriftError));
    this.#closed = true;
    await this.#idle();
    await this.#handle?.close();
    this.#handle = undefined;
    await this.#lock?.release();
  }

  async #flushLoop(): Promise<void> {
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        const records = await this.#write(batch.map((p) => p.event));
        batch.forEach((p, index) => p.resolve(records[index] as JournalRecord));
        this.emit('commit', this.#seq);
      } catch (error) {
        const failure = error instanceof DriftError ? error : new DriftError(ErrorCodes.JOURNAL_IO, `${this.dir}: ${(error as Error).message}`, { cause: error });
        batch.forEach((p) => p.reject(failure));
        continue;
      }
      try {
        await this.#rollAndPrune();
      } catch (error) {
        this.emit('failure', new DriftError(ErrorCodes.JOURNAL_IO, `${this.dir}: ${(error as Error).message}`, { cause: error }));
      }
    }
  }

  async #write(entries: readonly Entry[]): Promise<JournalRecord[]> {
    const handle = this.#handle;
    const segment = this.#segments.at(-1);
    if (!handle || !segment) throw new DriftError(ErrorCodes.JOURNAL_CLOSED, `${this.dir}: journal is closed`);
    const records: JournalRecord[] = [];
    const lines: string[] = [];
    let seq = this.#seq;
    let hash = this.#hash;
    let lastCheckpoint = this.#lastCheckpointSeq;
    let head: CheckpointHead | undefined;
    const push = (event: DriftEvent): void => {
      const encoded = encodeRecord(++seq, hash, event);
      hash = encoded.record.hash;
      records.push(encoded.record);
      lines.push(encoded.line);
    };
    for (const entry of entries) {
      if (entry === CHECKPOINT) {
        head = this.#checkpointHead(seq, hash);
        push(checkpointEvent(head, this.#options.checkpoint?.privateKey, this.#options.proxy));
        lastCheckpoint = seq;
      } else push(entry);
    }
    const checkpoint = this.#options.checkpoint;
    if (checkpoint && seq - lastCheckpoint >= checkpoint.every) {
      head = this.#checkpointHead(seq, hash);
      push(checkpointEvent(head, this.#options.checkpoint?.privateKey, this.#options.proxy));
      lastCheckpoint = seq;
    }
    const bytes = Buffer.from(lines.join(''));
    try {
      // A nearly full disk takes part of a write without an error: the rest is written, or the write fails and is cut back.
      for (let offset = 0; offset < bytes.length; ) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null);
        if (bytesWritten <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        offset += bytesWritten;
      }
      await handle.datasync();
    } catch (error) {
      await handle.truncate(segment.size).catch(() => undefined);
      throw error;
    }
    segment.size += bytes.length;
    this.#seq = seq;
    this.#hash = hash;
    this.#lastCheckpointSeq = lastCheckpoint;
    if (head) {
      this.#lastCheckpoint = head;
      this.emit('checkpoint', head);
    }
    return records;
  }

  #checkpointHead(seq: number, hash: string): CheckpointHead {
    return { seq, hash, time: new Date().toISOString(), signed: this.#options.checkpoint?.privateKey !== undefined };
  }

  async #rollAndPrune(): Promise<void> {
    const active = this.#segments.at(-1);
    if (active && active.size >= this.#segmentBytes && !this.#closed) {
      await this.#handle?.close();
      this.#handle = undefined;
      await this.#startSegment(this.#seq + 1);
    }
    while (this.sizeBytes > this.#maxBytes && this.#segments.length > 1) {
      const [oldest, next] = this.#segments as [SizedSegment, SizedSegment];
      await dropOldestSegment(this.dir, oldest, next, { sinkNames: this.#options.sinkNames ?? [], cursors: this.#options.cursors }, async (gaps) => {
        await this.#write(gaps.map((gap) => createEvent(gap, this.#options.proxy)));
        this.emit('commit', this.#seq);
      });
      this.#segments.shift();
    }
  }

  async #startSegment(firstSeq: number): Promise<void> {
    const path = join(this.dir, segmentName(firstSeq));
    this.#handle = await open(path, 'a');
    await syncFolder(this.dir);
    this.#segments.push({ firstSeq, path, size: 0 });
  }

  async #recover(): Promise<void> {
    const recovered = await recoverJournal(this.dir);
    this.#segments = recovered.segments;
    this.#seq = recovered.seq;
    this.#hash = recovered.hash;
    this.#lastCheckpointSeq = recovered.lastCheckpointSeq;
    this.#lastCheckpoint = recovered.lastCheckpoint;
  }
}

function asJournalError(dir: string, error: unknown): DriftError {
  return error instanceof DriftError ? error : new DriftError(ErrorCodes.JOURNAL_IO, `${dir}: ${(error as Error).message}`, { cause: error });
}
