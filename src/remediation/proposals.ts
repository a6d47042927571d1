import { randomUUID } from 'node:crypto';
import type { Severity } from '../common/severity-levels.js';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';

export const PROPOSAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'applied', 'verified', 'failed'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

export interface ProposalFinding {
  /** `<resourceType>/<name>` */
  readonly key: string;
  readonly kind: string;
  readonly severity: Severity;
}

export interface ProposalStep {
  readonly state: ProposalState;
  readonly at: string;
  readonly by?: string;
  readonly detail: string;
}

/** One remediation of one service: proposed and waiting (approve mode) or applied straight away (revert mode). */
export interface Proposal {
  readonly id: string;
  readonly service: string;
  readonly mode: 'revert' | 'approve';
  readonly state: ProposalState;
  readonly findings: readonly ProposalFinding[];
  /** Identifies the drift the proposal was made for; a different drift needs a new proposal. */
  readonly fingerprint: string;
  readonly dryRun: boolean;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly history: readonly ProposalStep[];
}

/** How many finished proposals are kept for listing; pending and approved ones are always kept. */
const KEEP_FINISHED = 200;

/** The proposals of one agent, in memory; every change of state is appended to its history. */
export class ProposalBook {
  private readonly items = new Map<string, Proposal>();

  constructor(private readonly now: () => Date) {}

  create(input: { service: string; mode: 'revert' | 'approve'; findings: readonly ProposalFinding[]; fingerprint: string; dryRun: boolean; ttlSeconds?: number; state: ProposalState; detail: string }): Proposal {
    const at = this.now();
    const proposal: Proposal = Object.freeze({
      id: `rem-${randomUUID().slice(0, 8)}`,
      service: input.service,
      mode: input.mode,
      state: input.state,
      findings: Object.freeze([...input.findings]),
      fingerprint: input.fingerprint,
      dryRun: input.dryRun,
      createdAt: at.toISOString(),
      ...(input.ttlSeconds !== undefined ? { expiresAt: new Date(at.getTime() + input.ttlSeconds * 1000).toISOString() } : {}),
      history: Object.freeze([{ state: input.state, at: at.toISOString(), detail: input.detail }]),
    });
    this.items.set(proposal.id, proposal);
    this.prune();
    return proposal;
  }

  get(id: string): Proposal | undefined {
    return this.items.get(id);
  }

  /** Moves a proposal to a new state; only pending ones can be decided by a person. */
  decide(id: string, state: 'approved' | 'rejected', by: string): Result<Proposal> {
    const proposal = this.items.get(id);
    if (!proposal) return fail(new DriftError(ErrorCodes.PROPOSAL_NOT_FOUND, `remediation ${id}: no such proposal`));
    if (proposal.state !== 'pending') return fail(new DriftError(ErrorCodes.PROPOSAL_NOT_PENDING, `remediation ${id}: is ${proposal.state}, only a pending proposal can be ${state}`));
    return ok(this.move(id, state, `${state} by ${by}`, by));
  }

  move(id: string, state: ProposalState, detail: string, by?: string): Proposal {
    const proposal = this.items.get(id);
    if (!proposal) throw new DriftError(ErrorCodes.INTERNAL, `remediation ${id}: no such proposal`);
    const step: ProposalStep = { state, at: this.now().toISOString(), ...(by ? { by } : {}), detail };
    const next: Proposal = Object.freeze({ ...proposal, state, history: Object.freeze([...proposal.history, step]) });
    this.items.set(id, next);
    return next;
  }

  /** Pending proposals whose time to live has run out. */
  due(): Proposal[] {
    const now = this.now().getTime();
    return this.list().filter((p) => p.state === 'pending' && p.expiresAt !== undefined && Date.parse(p.expiresAt) <= now);
  }

  open(service: string): Proposal | undefined {
    return this.list().find((p) => p.service === service && (p.state === 'pending' || p.state === 'approved'));
  }

  list(): Proposal[] {
    return [...this.items.values()];
  }

  private prune(): void {
    const finished = this.list().filter((p) => p.state !== 'pending' && p.state !== 'approved');
    for (const p of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.items.delete(p.id);
  }
}
