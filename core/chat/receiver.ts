import { ErrorCode } from '@signalapp/libsignal-client'
import { toHex } from '../bytes.js'
import { signalAddress } from '../e2ee/session.js'
import { ProtocolViolationError, errorMessage, toError } from '../errors.js'
import { faultPoint } from '../fault-points.js'
import { missingCase } from '../unreachable.js'
import { abortWhenIdle, readFrames, sendFrame } from '../wire/frames.js'
import { IDLE_STREAM_TIMEOUT_MS, MAX_UNACKED_ENVELOPES, MESSAGE_ID_BYTES } from '../wire/limits.js'
import { Ack, Envelope } from '../wire/parley.js'
import { contentHash, contentProblem, conversationIdFor, decodeContent } from './content.js'
import { requestCapProblem } from './request-caps.js'
import { storeInSenderChain } from './sender-chains.js'
import type { ChatEvents } from './events.js'
import type { Sessions } from '../e2ee/session.js'
import type { SignalStores } from '../e2ee/signal-stores.js'
import type { ContactsRepository } from '../store/contacts-repo.js'
import type { ParleyDatabase } from '../store/database.js'
import type { MessagesRepository, StoredMessage } from '../store/messages-repo.js'
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

export const MESSAGE_PROTOCOL = '/parley/msg/1.0.0'

export interface ReceiverComponents {
  db: ParleyDatabase
  self: PeerId
  sessions: Sessions
  stores: SignalStores
  contacts: ContactsRepository
  messages: MessagesRepository
  events: TypedEventTarget<ChatEvents>
  log: Logger
}

interface Outcome {
  ack: Ack
  stored?: StoredMessage
  identityChanged?: boolean
}

/**
 * Receives `/parley/msg/1.0.0` streams: decrypts each envelope, stores it,
 * and only then acks it. Envelopes that arrive while a batch is being
 * committed form the next batch, so a burst costs one fsync per batch rather
 * than one per message.
 */
export class MessageReceiver {
  constructor (private readonly c: ReceiverComponents) {}

  async handle (stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString()
    const pending: Envelope[] = []
    let flushing: Promise<void> | undefined
    let failure: Error | undefined
    const stopWatchdog = abortWhenIdle(stream, IDLE_STREAM_TIMEOUT_MS)
    const flush = async (): Promise<void> => {
      while (pending.length > 0 && failure == null) {
        const batch = pending.splice(0, pending.length)
        const outcomes = await this.receiveBatch(connection.remotePeer, batch)
        // Announced once committed, before the acks: a stream that breaks
        // while acking must not hide messages we already stored.
        this.announce(peerId, outcomes)
        for (const outcome of outcomes) await sendFrame(stream, Ack.encode(outcome.ack))
      }
    }
    try {
      for await (const frame of readFrames(stream)) {
        pending.push(parseEnvelope(frame))
        if (pending.length > MAX_UNACKED_ENVELOPES) throw new ProtocolViolationError(`more than ${MAX_UNACKED_ENVELOPES} envelopes without waiting for acks`)
        flushing ??= flush().catch((err: unknown) => {
          // A local failure (e.g. the database): reset now, so the sender retries instead of waiting for acks.
          failure = toError(err)
          stream.abort(failure)
        }).finally(() => { flushing = undefined })
      }
      while (flushing != null) await flushing
      if (failure != null) throw failure
      await stream.close()
    } catch (err) {
      this.c.log.error('message stream from %s failed: %s', peerId, errorMessage(err))
      stream.abort(toError(err))
    } finally {
      stopWatchdog()
    }
  }

  /** One transaction for the batch; each envelope in its own savepoint so a bad one leaves no trace. */
  private async receiveBatch (sender: PeerId, batch: Envelope[]): Promise<Outcome[]> {
    const outcomes = await this.c.db.write(async () => {
      const results: Outcome[] = []
      for (const envelope of batch) {
        this.c.db.sql.exec('SAVEPOINT envelope')
        let outcome: Outcome
        try {
          outcome = await this.receiveOne(sender, envelope)
        } catch (err) {
          this.c.db.sql.exec('ROLLBACK TO envelope')
          this.c.db.sql.exec('RELEASE envelope')
          throw err
        }
        if (outcome.ack.status === Ack.Status.OK) {
          this.c.db.sql.exec('RELEASE envelope')
        } else {
          // Undo any ratchet step the rejected envelope made.
          this.c.db.sql.exec('ROLLBACK TO envelope')
          this.c.db.sql.exec('RELEASE envelope')
        }
        if (outcome.identityChanged === true) this.c.contacts.flagIdentityChange(sender.toString())
        results.push(outcome)
      }
      return results
    })
    // Committed but not yet acked: the sender will resend, and the id dedups it.
    faultPoint('receiver:committed')
    return outcomes
  }

  private async receiveOne (sender: PeerId, envelope: Envelope): Promise<Outcome> {
    const peerId = sender.toString()
    const id = toHex(envelope.id)
    const reject = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({ ack: { id: envelope.id, status: Ack.Status.REJECTED, reason }, ...extra })
    if (this.c.messages.has(id)) return { ack: { id: envelope.id, status: Ack.Status.DUPLICATE, reason: '' } }
    const contact = this.c.contacts.get(peerId)
    if (contact?.identityChanged === true) return reject('identity_changed: the recipient has not accepted your new safety number')
    const capped = requestCapProblem(this.c, peerId, contact)
    if (capped != null) return reject(capped)

    let plaintext: Uint8Array
    try {
      plaintext = await this.c.sessions.decrypt(peerId, { type: envelope.type, body: envelope.ciphertext })
    } catch (err) {
      if ((err as { name?: unknown }).name === ProtocolViolationError.name) return reject(`undecryptable: ${errorMessage(err)}`)
      const code = (err as { code?: unknown }).code
      if (code === ErrorCode.UntrustedIdentity) return reject('identity_changed: your identity key differs from the one the recipient trusts', { identityChanged: true })
      // A well-formed message no session here opens: we lost ours (contact
      // removed, backup restored, reset), or the sender's went back in time
      // (libsignal then sees reused message keys). Either way the sender must
      // start a fresh session and resend; a plain rejection would fail every
      // message it sends us from now on.
      return { ack: { id: envelope.id, status: Ack.Status.NO_SESSION, reason: `undecryptable: ${errorMessage(err)}` } }
    }

    let content
    try {
      content = decodeContent(plaintext)
    } catch {
      return reject('malformed content')
    }
    const conversationId = conversationIdFor(this.c.self, sender)
    const problem = contentProblem(content, envelope.id, conversationId)
    if (problem != null) return reject(problem)

    const now = Date.now()
    if (contact == null) {
      const identity = await this.c.stores.identities.getIdentity(signalAddress(peerId))
      if (identity == null) return reject('no identity key for an unknown sender')
      this.c.contacts.insertRequest(peerId, identity.serialize(), now)
    }
    const conversation = this.c.messages.ensureConversation(toHex(conversationId), peerId, now)
    const result = storeInSenderChain(this.c.messages, {
      id,
      conversationId: conversation.id,
      sender: peerId,
      seq: Number(content.seq),
      prevHash: content.prevHash,
      contentHash: contentHash(plaintext),
      content: plaintext,
      text: content.text?.text ?? '',
      sentAt: Number(content.timestamp)
    }, now)
    switch (result) {
      case 'stored': return { ack: { id: envelope.id, status: Ack.Status.OK, reason: '' }, stored: this.c.messages.get(id) }
      case 'duplicate': return { ack: { id: envelope.id, status: Ack.Status.DUPLICATE, reason: '' } }
      case 'seq_taken': return reject('sequence number already used by another message')
      default: return missingCase(result)
    }
  }

  private announce (peerId: string, outcomes: Outcome[]): void {
    for (const outcome of outcomes) {
      if (outcome.stored != null) this.c.events.dispatchEvent(new CustomEvent('message', { detail: outcome.stored }))
      if (outcome.identityChanged === true) {
        const contact = this.c.contacts.get(peerId)
        if (contact != null) this.c.events.dispatchEvent(new CustomEvent('contact', { detail: contact }))
      }
    }
  }
}

function parseEnvelope (frame: Uint8Array): Envelope {
  let envelope: Envelope
  try {
    envelope = Envelope.decode(frame)
  } catch {
    throw new ProtocolViolationError('malformed envelope')
  }
  if (envelope.id.length !== MESSAGE_ID_BYTES) throw new ProtocolViolationError('envelope id must be 16 bytes')
  if (envelope.type !== 2 && envelope.type !== 3) throw new ProtocolViolationError(`unsupported ciphertext type ${envelope.type}`)
  if (envelope.ciphertext.length === 0) throw new ProtocolViolationError('empty ciphertext')
  return envelope
}

