// Parses a client's text message (JSON, engine/client protocol.ts `ClientMessage`); anything
// that does not follow it throws MalformedMessageError naming the field, the value and the rule.
// `capabilities` may come with any op (names this server does not know are kept and ignored).
import { MAX_CAPABILITIES, MAX_CAPABILITY_CHARACTERS, TOPIC_NAMES, isTopicName, type ClientMessage } from '../client/index.js';
import { MAX_RESUME_TICKET_CHARACTERS, RESUME_ATTEMPT_PATTERN } from '../killswitch/index.js';
import { MalformedMessageError, UnknownTopicError, parseControlAction } from './control.js';

const MAX_MESSAGE_CHARACTERS = 16 * 1024;

export function parseClientMessage(text: string): ClientMessage {
  if (text.length > MAX_MESSAGE_CHARACTERS) throw new MalformedMessageError(`a message must be at most ${MAX_MESSAGE_CHARACTERS} characters, was ${text.length}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedMessageError(`a message must be JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedMessageError(`a message must be a JSON object, was ${text.slice(0, 80)}`);
  const message = value as Record<string, unknown>;
  const body = parseOp(message);
  if (message.capabilities === undefined) return body;
  return { ...body, capabilities: parseCapabilities(message.capabilities) };
}

function parseCapabilities(value: unknown): string[] {
  const fits = Array.isArray(value) && value.length <= MAX_CAPABILITIES
    && value.every((name) => typeof name === 'string' && name.length >= 1 && name.length <= MAX_CAPABILITY_CHARACTERS);
  if (!fits) {
    throw new MalformedMessageError(`\`capabilities\` must be an array of at most ${MAX_CAPABILITIES} capability names (strings of 1 to ${MAX_CAPABILITY_CHARACTERS} characters, e.g. ["ticket"]), was ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  return value as string[];
}

function parseOp(message: Record<string, unknown>): ClientMessage {
  switch (message.op) {
    case 'subscribe':
    case 'unsubscribe': {
      if (!isTopicName(message.topic)) throw new UnknownTopicError(`\`topic\` must be one of ${TOPIC_NAMES.join(', ')}, was ${JSON.stringify(message.topic)}`);
      if (message.op === 'unsubscribe') return { op: 'unsubscribe', topic: message.topic };
      if (message.since === undefined) return { op: 'subscribe', topic: message.topic };
      if (typeof message.since !== 'string' || !/^\d{1,20}$/.test(message.since)) {
        throw new MalformedMessageError(`\`since\` must be a sequence as a decimal string, was ${JSON.stringify(message.since)}`);
      }
      if (message.epoch === undefined) return { op: 'subscribe', topic: message.topic, since: message.since };
      if (typeof message.epoch !== 'string' || !/^[0-9a-f]{1,64}$/.test(message.epoch)) {
        throw new MalformedMessageError(`\`epoch\` must be a server's epoch from a \`subscribed\` reply (1 to 64 hex digits), was ${JSON.stringify(message.epoch)}`);
      }
      return { op: 'subscribe', topic: message.topic, since: message.since, epoch: message.epoch };
    }
    case 'auth':
      if (typeof message.token !== 'string') throw new MalformedMessageError(`\`token\` must be a string, was ${JSON.stringify(message.token)}`);
      return { op: 'auth', token: message.token };
    case 'resume':
      if (typeof message.ticket !== 'string' || message.ticket === '' || message.ticket.length > MAX_RESUME_TICKET_CHARACTERS) {
        throw new MalformedMessageError(`\`ticket\` must be a resume ticket from a \`ticket\` reply (1 to ${MAX_RESUME_TICKET_CHARACTERS} characters), was ${JSON.stringify(message.ticket)?.slice(0, 80)}`);
      }
      if (message.attempt === undefined) return { op: 'resume', ticket: message.ticket };
      if (typeof message.attempt !== 'string' || !RESUME_ATTEMPT_PATTERN.test(message.attempt)) {
        throw new MalformedMessageError(`\`attempt\` must be the client's nonce for this ticket (16 to 128 characters of A-Z, a-z, 0-9, _ and -), was ${JSON.stringify(message.attempt)?.slice(0, 80)}`);
      }
      return { op: 'resume', ticket: message.ticket, attempt: message.attempt };
    case 'control': {
      if (!Number.isSafeInteger(message.id)) throw new MalformedMessageError(`\`id\` must be an integer, was ${JSON.stringify(message.id)}`);
      if (message.token !== undefined && typeof message.token !== 'string') throw new MalformedMessageError(`\`token\` must be a string, was ${JSON.stringify(message.token)}`);
      const action = parseControlAction(message.action);
      return { op: 'control', id: message.id as number, action, ...(message.token !== undefined ? { token: message.token as string } : {}) };
    }
    default:
      throw new MalformedMessageError(`\`op\` must be one of subscribe, unsubscribe, auth, resume, control, was ${JSON.stringify(message.op)}`);
  }
}
