import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineagePaths } from '../../util/lineagePaths';
import type { KeepWhileHashing } from '../fingerprint';
import { MEMORY_DATASET } from '../fingerprint';
import { globFilter, readKeepConfig, type KeepConfig } from './keepConfig';
import { joinKey } from './keep';
import { probeClone, tempDir } from './objectStore';
import { DvcPointers, gitTrackedAtHead, insideGit } from './references';
import { RACY_MS, type KeepTarget, type VerifiedBy } from './hashAndKeep';

/**
 * Which files a run's fingerprinting copies into the store right after their hash, by the hash worker
 * (docs/data-store.md, "While fingerprinting"). Decided before a byte is read, from what is known then:
 * keeping on, the role, include/exclude, DVC pointers, git tracking at HEAD and the cap. A file git tracks is left to `keepRunData`, which records
 * it by reference when its blob matches; anything not chosen here is kept (or not) afterwards as before,
 * with `keepRunData` making every final decision and writing kept.json.
 */
export class KeepPlan {
  readonly config: KeepConfig;
  /** sha256 → size of the objects this pass stored (new to the store); keepRunData counts them as copied. */
  readonly stored = new Map<string, number>();
  /** How the objects this pass stored were shown to hold the bytes hashed (the benchmark reports it). */
  readonly verifiedBy: Record<VerifiedBy, number> = { identity: 0, hash: 0 };
  private budget: number;
  private readonly excluded: (rel: string) => string | undefined;
  private readonly dvc: DvcPointers;
  private readonly target: KeepTarget;
  private git: boolean | undefined;

  /**
   * `how.racyMs`: see RACY_MS; `how.clones`: whether the store's file system clones (probed when unset).
   * Tests and the benchmark set both to have the kernel copy a file written a moment ago, on any file system.
   */
  constructor(
    private readonly paths: LineagePaths,
    overrides?: Partial<KeepConfig>,
    private readonly how: { racyMs?: number; clones?: boolean } = {},
  ) {
    // Its warnings are not kept: keepRunData reads the same config after the fingerprinting and reports them.
    this.config = readKeepConfig(paths, overrides);
    this.budget = this.config.keepMaxBytes;
    this.excluded = globFilter(this.config);
    this.dvc = new DvcPointers(paths.workspace);
    this.target = { tmpDir: tempDir(paths), objectsDir: paths.objects, racyMs: how.racyMs ?? RACY_MS, clones: false };
  }

  /**
   * The cheap pre-check (no git, no reading): would `keepRunData` copy this file, were its content new?
   * `key` is the workspace-relative path (absolute outside the workspace), as kept.json names it.
   */
  shouldKeep(key: string, size: number, role = 'input'): boolean {
    const c = this.config;
    if (!c.keep || (role === 'output' && !c.keepOutputs)) return false;
    if (MEMORY_DATASET.test(key) || this.excluded(key) || this.dvc.pointerFor(key)) return false;
    return size <= this.budget;
  }

  /** The hook for `fingerprint(…, { keepWhileHashing })` of dataset `key` (resolved to `abs`), or none. */
  forDataset(key: string, role: string, abs: string): KeepWhileHashing | undefined {
    if (!this.config.keep || (role === 'output' && !this.config.keepOutputs) || MEMORY_DATASET.test(key)) return undefined;
    const target = path.resolve(abs);
    return {
      target: this.target,
      select: async (files) => {
        const keys = files.map((f) => (f.abs === target ? key : joinKey(key, f.rel)));
        const chosen = files.map((f, i) => this.shouldKeep(keys[i], f.size, role));
        if (chosen.some(Boolean) && !path.isAbsolute(key) && (this.git ??= insideGit(this.paths.workspace))) {
          // Unsure (git failed, no commit yet): leave them all to keepRunData, which asks git again.
          const tracked = await gitTrackedAtHead(this.paths.workspace, [key]);
          keys.forEach((k, i) => (!tracked || tracked.has(k)) && (chosen[i] = false));
        }
        // The cap in order, counting every chosen file as new; what turns out to be kept already is given back.
        for (let i = 0; i < files.length; i++) {
          if (!chosen[i]) continue;
          if (files[i].size <= this.budget) this.budget -= files[i].size;
          else chosen[i] = false;
        }
        if (!chosen.some(Boolean)) return chosen;
        fs.mkdirSync(this.target.tmpDir, { recursive: true });
        this.target.clones = this.how.clones ?? probeClone(this.target.tmpDir);
        return chosen;
      },
      settled: (_file, plannedSize, outcome) => {
        if (outcome?.kept === 'stored' && !this.stored.has(outcome.sha256)) {
          this.stored.set(outcome.sha256, outcome.size);
          if (outcome.verifiedBy) this.verifiedBy[outcome.verifiedBy]++;
          this.budget += plannedSize - outcome.size;
        } else this.budget += plannedSize;
      },
    };
  }
}
