import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DriftError, ErrorCodes } from '../errors.js';
import { createEvent, type Checkpoint, type DriftEvent, type ProxyIdentity } from '../events/event.js';

/**
 * Ed25519-signed checkpoints over the journal head. The signed bytes name the
 * format, the sequence number and the record hash, nothing else.
 */
export function checkpointPayload(seq: number, hash: string): Buffer {
  return Buffer.from(`envoy-drift checkpoint v1\n${seq}\n${hash}\n`);
}

export function loadPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new DriftError(ErrorCodes.CHECKPOINT_KEY, `${file}: cannot read an Ed25519 private key (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DriftError(ErrorCodes.CHECKPOINT_KEY, `${file}: key is ${key.asymmetricKeyType}, expected ed25519`);
  return key;
}

export function loadPublicKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readFileSync(file));
  } catch (error) {
    throw new DriftError(ErrorCodes.CHECKPOINT_KEY, `${file}: cannot read an Ed25519 public key (${(error as Error).message})`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new DriftError(ErrorCodes.CHECKPOINT_KEY, `${file}: key is ${key.asymmetricKeyType}, expected ed25519`);
  return key;
}

function publicKeyDer(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}

/** First 16 hex digits of the SHA-256 of the public key's SPKI DER. */
export function keyId(key: KeyObject): string {
  return createHash('sha256').update(publicKeyDer(key)).digest('hex').slice(0, 16);
}

export function signCheckpoint(privateKey: KeyObject, seq: number, hash: string): Checkpoint {
  return {
    seq,
    hash,
    keyId: keyId(privateKey),
    signature: sign(null, checkpointPayload(seq, hash), privateKey).toString('base64'),
    publicKey: publicKeyDer(privateKey).toString('base64'),
  };
}

/** Checks a checkpoint's signature with the pinned key, or with the key it carries when none is pinned. */
export function verifyCheckpoint(checkpoint: Checkpoint, pinned?: KeyObject): boolean {
  if (!checkpoint.signature || !checkpoint.publicKey) return false;
  try {
    const key = pinned ?? createPublicKey({ key: Buffer.from(checkpoint.publicKey, 'base64'), format: 'der', type: 'spki' });
    if (pinned && keyId(pinned) !== checkpoint.keyId) return false;
    return verify(null, checkpointPayload(checkpoint.seq, checkpoint.hash), key, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The newest checkpoint written, as shown on the agent's status. */
export interface CheckpointHead {
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly signed: boolean;
}

/** The `audit.checkpoint` event for a head: signed with the key when there is one. */
export function checkpointEvent(head: CheckpointHead, privateKey: KeyObject | undefined, proxy: ProxyIdentity | undefined): DriftEvent {
  return createEvent(
    {
      type: 'audit.checkpoint',
      severity: 'info',
      time: head.time,
      message: `journal head ${head.seq}${privateKey ? ' signed' : ''}`,
      checkpoint: privateKey ? signCheckpoint(privateKey, head.seq, head.hash) : { seq: head.seq, hash: head.hash },
    },
    proxy,
  );
}
