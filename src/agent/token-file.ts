import { readFile } from 'node:fs/promises';
import { DriftError, ErrorCodes } from '../errors.js';

/** The bearer token the mutating routes require, from `--token-file`. */
export async function readToken(file: string): Promise<Buffer> {
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (!token) throw new DriftError(ErrorCodes.USAGE, `--token-file ${file}: the file is empty`);
    return Buffer.from(token);
  } catch (error) {
    if (error instanceof DriftError) throw error;
    throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `--token-file ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
