import { existsSync } from 'node:fs';
import { DriftError, ErrorCodes } from '../../errors.js';
import { loadPublicKey } from '../../journal/checkpoint.js';
import { journalDir } from '../../journal/segments.js';
import { isIntact, verifyJournal } from '../../journal/verify.js';
import { ExitCode, parseCommandArgs, type CliIo, type Command } from '../command.js';

const USAGE = `
Usage: envoy-drift audit verify <data-dir> [--public-key <file>]

Checks the hash chain of the event journal in <data-dir>/journal and the
Ed25519 signatures of its checkpoints. Prints one line per break (sequence
gap, out-of-order record, hash mismatch, chain break, bad signature,
truncated record) and a summary. Exit 0 only when the journal is intact,
1 when it finds a break, 2 when it cannot check (no journal, bad key file).

Options:
  --public-key <file>  PEM Ed25519 public key the checkpoints must be signed
                       with; without it each checkpoint is checked against
                       the key it carries, which proves consistency only.
`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the tamper-evident event journal (audit verify <data-dir>)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<ExitCode> {
    const { values, positionals } = parseCommandArgs('audit', argv, { 'public-key': { type: 'string' } }, true);
    const [action, dataDir, ...extra] = positionals;
    if (action !== 'verify' || dataDir === undefined || extra.length > 0) {
      throw new DriftError(ErrorCodes.USAGE, 'expected "audit verify <data-dir>" (see envoy-drift audit --help)');
    }
    if (!existsSync(journalDir(dataDir))) throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `${journalDir(dataDir)}: no journal here`);
    const keyFile = values['public-key'];
    const publicKey = typeof keyFile === 'string' ? loadPublicKey(keyFile) : undefined;
    const report = verifyJournal(dataDir, { publicKey });
    for (const b of report.breaks) {
      const where = b.line === undefined ? b.file : `${b.file}:${b.line}`;
      io.stdout.write(`${where}: ${b.kind}${b.seq === undefined ? '' : ` at seq ${b.seq}`}: ${b.message}\n`);
    }
    const range = report.firstSeq === undefined ? '' : ` (seq ${report.firstSeq}-${report.lastSeq})`;
    const signed = report.checkpoints === 0 ? 'no checkpoints' : `${report.checkpoints} checkpoints, key ${report.keyIds.join(', ')}${publicKey ? ' (pinned)' : ' (not pinned)'}`;
    const verdict = isIntact(report) ? 'intact' : `${report.breaks.length} breaks`;
    io.stdout.write(`${report.valid} valid / ${report.total} total records${range}; ${signed}; ${verdict}\n`);
    return isIntact(report) ? ExitCode.IN_SYNC : ExitCode.DRIFT;
  },
};
