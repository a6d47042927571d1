import { existsSync, readFileSync, statSync } from 'node:fs';
import { DriftError, ErrorCodes } from '../../errors.js';
import { parseAnchorFile, type AnchorFile } from '../../journal/anchor-file.js';
import { loadPublicKey } from '../../journal/checkpoint.js';
import { journalDir } from '../../journal/segments.js';
import { isIntact, verifyJournal } from '../../journal/verify.js';
import { ExitCode, parseCommandArgs, type CliIo, type Command } from '../command.js';

const USAGE = `
Usage: envoy-drift audit verify <data-dir> [--anchor <file>] [--public-key <file>]

Checks the hash chain of the event journal in <data-dir>/journal and the
Ed25519 signatures of its checkpoints. Prints one line per break (sequence
gap, out-of-order record, hash mismatch, chain break, bad signature,
truncated record, missing or rewritten tail, missing journal) and a summary.
Exit 0 only when the journal is intact, 1 when it finds a break, 2 when it
cannot check (no journal and no sign the agent ran, bad key or anchor file).

Options:
  --anchor <file>      what left the node: the file sink's NDJSON (json, ocsf
                       or ecs format) or a SIEM export of it (NDJSON or a
                       JSON array). Its checkpoints and journal positions
                       prove how far the journal went and what its head was:
                       records deleted from the end, deleted segments and a
                       rewritten head are found. Without it, deletion of the
                       newest records cannot be ruled out.
  --public-key <file>  PEM Ed25519 public key the checkpoints must be signed
                       with; without it each checkpoint is checked against
                       the key it carries, which proves consistency only.
`;

/** Anchor exports are SIEM-sized, not unbounded: past this, export a recent window. */
const MAX_ANCHOR_BYTES = 256 * 1024 * 1024;

function readAnchorFile(file: string, publicKey: Parameters<typeof parseAnchorFile>[2]): AnchorFile {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new DriftError(ErrorCodes.USAGE, `--anchor ${file}: not a regular file`);
    if (stat.size > MAX_ANCHOR_BYTES) throw new DriftError(ErrorCodes.USAGE, `--anchor ${file}: ${stat.size} bytes, over the ${MAX_ANCHOR_BYTES}-byte limit (export a recent window)`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof DriftError) throw error;
    throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `--anchor ${file}: ${(error as NodeJS.ErrnoException).code ?? 'cannot read'}`, { cause: error });
  }
  const anchor = parseAnchorFile(file, text, publicKey);
  if (anchor.claims.length === 0 && anchor.badSignatures.length === 0) {
    throw new DriftError(ErrorCodes.USAGE, `--anchor ${file}: no audit.checkpoint event and no journal position in it (${anchor.skipped} lines not understood)`);
  }
  return anchor;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the tamper-evident event journal (audit verify <data-dir>)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<ExitCode> {
    const { values, positionals } = parseCommandArgs('audit', argv, { 'public-key': { type: 'string' }, anchor: { type: 'string' } }, true);
    const [action, dataDir, ...extra] = positionals;
    if (action !== 'verify' || dataDir === undefined || extra.length > 0) {
      throw new DriftError(ErrorCodes.USAGE, 'expected "audit verify <data-dir>" (see envoy-drift audit --help)');
    }
    const keyFile = values['public-key'];
    const publicKey = typeof keyFile === 'string' ? loadPublicKey(keyFile) : undefined;
    const anchorFile = values['anchor'];
    const anchor = typeof anchorFile === 'string' ? readAnchorFile(anchorFile, publicKey) : undefined;
    const report = verifyJournal(dataDir, { publicKey, anchor });
    if (report.total === 0 && report.breaks.length === 0 && !existsSync(journalDir(dataDir))) {
      throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `${journalDir(dataDir)}: no journal here, and nothing shows an agent ran in ${dataDir}`);
    }
    for (const b of report.breaks) {
      const where = b.line === undefined ? b.file : `${b.file}:${b.line}`;
      io.stdout.write(`${where}: ${b.kind}${b.seq === undefined ? '' : ` at seq ${b.seq}`}: ${b.message}\n`);
    }
    const range = report.firstSeq === undefined ? '' : ` (seq ${report.firstSeq}-${report.lastSeq})`;
    const signedCount = report.checkpoints - report.unsigned;
    const signed =
      report.checkpoints === 0
        ? 'no checkpoints'
        : `${report.checkpoints} checkpoints${signedCount > 0 ? `, ${signedCount} signed by key ${report.keyIds.join(', ')}${publicKey ? ' (pinned)' : ' (not pinned)'}` : ', unsigned'}`;
    const verdict = isIntact(report) ? 'intact' : `${report.breaks.length} breaks`;
    io.stdout.write(`${report.valid} valid / ${report.total} total records${range}; ${signed}; ${verdict}\n`);
    if (report.anchor) {
      io.stdout.write(`anchor ${report.anchor.file}: ${report.anchor.claims} heads, the newest proves seq ${report.anchor.reached ?? 'none'}; ${report.anchor.checked} matched against local records\n`);
    } else {
      io.stdout.write('tail deletion cannot be ruled out: without --anchor, records deleted from the end of the journal leave no trace on this node\n');
    }
    return isIntact(report) ? ExitCode.IN_SYNC : ExitCode.DRIFT;
  },
};
