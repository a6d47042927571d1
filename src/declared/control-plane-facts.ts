import type { ResourceType } from '../resources/resource.js';

/** What a comparison needs to know about the control plane's part of a declaration. */
export interface ControlPlaneFacts {
  readonly address: string;
  readonly nodeId: string;
  readonly staleGraceMs: number;
  /** The control plane's version of each type it speaks for, and when it arrived. */
  readonly versions: Readonly<Partial<Record<ResourceType, { readonly version: string; readonly receivedAt: number }>>>;
  /** The types a `--declared` file or folder speaks for besides. */
  readonly fileCoverage: readonly ResourceType[];
  /** The resources the control plane declares (virtual hosts carved out of its route configurations included). */
  readonly keys: ReadonlySet<string>;
}
